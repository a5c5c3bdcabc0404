//! Synthetic Chinese names: places in the style of Yunnan's townships and villages,
//! persons, and phone numbers that are plainly fake.

use std::collections::BTreeSet;

use rand::Rng;

use super::random::DemoRng;

const PLACE_FIRST: &[char] = &[
    '大', '小', '新', '老', '上', '下', '中', '东', '西', '南', '北', '龙', '凤', '马', '牛', '羊',
    '石', '白', '黑', '青', '红', '黄', '金', '银', '花', '松', '柏', '桃', '竹', '梨', '茶', '兴',
    '和', '平', '安', '太', '永', '长', '双', '三', '高', '古', '官', '河', '沙', '碧', '清', '云',
    '彩', '鹿', '鸡', '象', '吉', '福', '宝', '德', '仁', '乐', '法', '者',
];
const PLACE_SECOND: &[char] = &[
    '坝', '甸', '山', '河', '庄', '街', '营', '哨', '场', '箐', '田', '冲', '沟', '塘', '坡', '岭',
    '湾', '井', '桥', '关', '屯', '溪', '泉', '乐', '兴', '丰', '宁', '城', '厂', '窝', '寨', '岩',
    '门', '口', '底', '苴', '厦', '旧', '嘎', '乍',
];
const SURNAMES: &[char] = &[
    '李', '王', '张', '杨', '刘', '陈', '赵', '罗', '普', '字', '鲁', '段', '施', '周', '黄', '何',
    '马', '朱', '郭', '苏', '毕', '起', '沈', '钱', '孙', '吴', '徐', '胡', '高', '林', '谢', '董',
    '余', '卢', '肖', '付', '唐', '许', '邓', '冯', '曾', '彭', '吕', '蒋', '蔡', '丁', '魏', '叶',
    '杜', '夏', '钟', '田', '姜', '范', '方', '石', '姚', '廖', '邹', '熊',
];
const GIVEN: &[char] = &[
    '建', '国', '华', '明', '伟', '芳', '丽', '强', '军', '平', '红', '英', '玉', '兰', '秀', '云',
    '德', '成', '文', '学', '志', '忠', '永', '福', '春', '海', '荣', '林', '辉', '刚', '涛', '燕',
    '霞', '凤', '琼', '梅', '兵', '勇', '杰', '斌', '磊', '鹏', '飞', '宇', '浩', '婷', '娟', '敏',
    '静', '丹', '萍', '冬', '雪', '光', '贵', '昌', '发', '富', '顺', '金',
];

fn pick(rng: &mut DemoRng, chars: &[char]) -> char {
    chars[rng.random_range(0..chars.len())]
}

/// A two-character place stem (`龙泉`, `石坝`), unique within `used`.
pub fn place_stem(rng: &mut DemoRng, used: &mut BTreeSet<String>) -> String {
    for attempt in 0.. {
        let mut s = String::new();
        s.push(pick(rng, PLACE_FIRST));
        s.push(pick(rng, PLACE_SECOND));
        if attempt > 500 {
            // Thousands of villages in one scope: a third character keeps them apart.
            s.push(pick(rng, PLACE_SECOND));
        }
        if used.insert(s.clone()) {
            return s;
        }
    }
    unreachable!("the loop only ends by returning")
}

/// A person's name: surname plus one or two given characters.
pub fn person(rng: &mut DemoRng) -> String {
    let mut s = String::new();
    s.push(pick(rng, SURNAMES));
    s.push(pick(rng, GIVEN));
    if rng.random_bool(0.7) {
        s.push(pick(rng, GIVEN));
    }
    s
}

/// A mobile number in the block 1990000xxxx, used only for demo data.
pub fn phone(rng: &mut DemoRng) -> String {
    format!("1990000{:04}", rng.random_range(0..10_000))
}

/// Chinese numerals for small group numbers (`3组` reads better as `三组` in names).
pub fn numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::random::stream;

    #[test]
    fn stems_are_unique_and_chinese() {
        let mut rng = stream(1, "names", "");
        let mut used = BTreeSet::new();
        let stems: Vec<String> = (0..3000).map(|_| place_stem(&mut rng, &mut used)).collect();
        let distinct: BTreeSet<_> = stems.iter().collect();
        assert_eq!(distinct.len(), stems.len());
        assert!(
            stems
                .iter()
                .all(|s| s.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
        );
    }

    #[test]
    fn phones_are_in_the_fake_block() {
        let mut rng = stream(1, "phones", "");
        for _ in 0..100 {
            let p = phone(&mut rng);
            assert_eq!(p.len(), 11);
            assert!(p.starts_with("1990000"));
        }
        let name = person(&mut rng);
        assert!((2..=3).contains(&name.chars().count()));
    }

    #[test]
    fn numerals_read_naturally() {
        assert_eq!(numeral(3), "三");
        assert_eq!(numeral(10), "十");
        assert_eq!(numeral(14), "十四");
        assert_eq!(numeral(20), "二十");
        assert_eq!(numeral(37), "三十七");
    }
}
