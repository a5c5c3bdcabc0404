// UI strings, Chinese first (the bureaus' working language), English on toggle.

const STRINGS = {
  title: ['自然灾害综合风险一张图', 'Natural-hazard risk map (一张图)'],
  searchPlaceholder: ['搜索行政区名称或代码', 'Search admin name or code'],
  toolProfile: ['风险查询', 'Risk at point'],
  toolTransfer: ['转移分析', 'Transfer analysis'],
  toolEarthquake: ['地震评估', 'Earthquake'],
  toolFire: ['森林火灾', 'Forest fire'],
  toolMeasure: ['测距', 'Measure'],
  key: ['密钥', 'API key'],
  layers: ['图层', 'Layers'],
  legend: ['图例', 'Legend'],
  basemap: ['底图', 'Basemap'],
  basemapNone: ['无', 'None'],
  basemapVec: ['天地图矢量', 'Tianditu vector'],
  basemapImg: ['天地图影像', 'Tianditu imagery'],
  areaSummary: ['区域统计', 'Area summary'],
  hazardType: ['灾种', 'Hazard type'],
  allTypes: ['全部', 'All'],
  riskGrade: ['风险等级', 'Risk grade'],
  riskProfile: ['风险画像', 'Risk profile'],
  adminChain: ['行政区', 'Administrative units'],
  grids: ['转移网格', 'Evacuation grids'],
  hazards: ['风险区', 'Hazard zones'],
  nearest: ['最近设施', 'Nearest facilities'],
  none: ['无', 'none'],
  assignedShelter: ['安置场所', 'Assigned shelter'],
  shelter: ['避难场所', 'Shelter'],
  water: ['水源', 'Water source'],
  depot: ['储备库', 'Depot'],
  distance: ['距离', 'Distance'],
  persons: ['人数', 'Persons'],
  households: ['户数', 'Households'],
  gridCount: ['网格数', 'Grids'],
  toMove: ['需转移', 'To move'],
  capacity: ['容量', 'Capacity'],
  capacityOpen: ['开放容量', 'Open capacity'],
  gap: ['缺口', 'Gap'],
  depots: ['储备库', 'Depots'],
  waterSources: ['水源点', 'Water sources'],
  transferHint: ['单击地图绘制预警落区多边形，双击或按“完成”结束', 'Click to draw the warning polygon; double-click or press Finish'],
  finish: ['完成', 'Finish'],
  cancel: ['取消', 'Cancel'],
  transferResult: ['转移分析结果', 'Transfer analysis'],
  scopeExposed: ['危险区人员', 'persons in danger zones'],
  scopeAll: ['落区内全部人员', 'everyone in the area'],
  minGrade: ['最低风险等级', 'lowest grade'],
  hazardPoints: ['隐患点', 'hazard sites'],
  personsInArea: ['落区内人口', 'persons in the area'],
  route: ['去向', 'route'],
  route_planned: ['按预案', 'planned'],
  route_rerouted: ['改派', 'rerouted'],
  route_partly_rerouted: ['部分改派', 'partly rerouted'],
  basis_zone: ['风险区', 'zone'],
  basis_hazard_points: ['隐患点', 'hazard sites'],
  basis_area: ['落区', 'area'],
  gridCode: ['网格编码', 'Grid code'],
  gridName: ['网格名称', 'Grid'],
  share: ['面积占比', 'Share inside'],
  assignedTo: ['安置去向', 'Goes to'],
  unplaced: ['无处安置', 'Without a place'],
  exportCsv: ['导出CSV', 'Export CSV'],
  publish: ['发布到大屏', 'Publish to wall'],
  unpublish: ['撤下大屏', 'Clear wall'],
  published: ['已发布到大屏', 'Published to the wall screen'],
  needAdmin: ['发布需要管理员密钥', 'Publishing needs an admin key'],
  summary: ['汇总', 'Summary'],
  placed: ['已安置', 'Placed'],
  sheltersUsed: ['使用场所', 'Shelters used'],
  meanDistance: ['平均距离', 'Mean distance'],
  callList: ['叫应名单', 'Call list'],
  unusable: ['不可用场所', 'Unusable shelters'],
  eqHint: ['单击地图选择震中', 'Click the map to place the epicentre'],
  magnitude: ['震级', 'Magnitude'],
  depth: ['深度(km)', 'Depth (km)'],
  run: ['分析', 'Run'],
  eqResult: ['地震影响评估', 'Earthquake impact'],
  intensity: ['烈度', 'Intensity'],
  sheltersUsable: ['可用场所', 'Usable shelters'],
  depotsInReach: ['可达储备库', 'Depots in reach'],
  fireHint: ['单击地图选择火点', 'Click the map at the fire'],
  fireResult: ['火点周边水源', 'Water near the fire'],
  type: ['类型', 'Type'],
  volume: ['可用水量(m³)', 'Volume (m³)'],
  access: ['通达', 'Access'],
  notify: ['联防联控通知', 'Counties to notify'],
  measureHint: ['单击地图逐点测距，双击结束', 'Click points to measure; double-click to end'],
  total: ['合计', 'Total'],
  keyPrompt: ['输入API密钥（留空则退出）', 'API key (empty to sign out)'],
  synthetic: ['演示数据（合成）', 'Demo data (synthetic)'],
  version: ['数据版本', 'Data version'],
  error: ['出错', 'Error'],
  noData: ['暂无数据', 'No data'],
};

let lang = (() => { try { return localStorage.getItem('riskmap.lang') || 'zh'; } catch { return 'zh'; } })();

export const getLang = () => lang;

export function setLang(l) {
  lang = l;
  try { localStorage.setItem('riskmap.lang', l); } catch { /* private mode */ }
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

/** The string `key` in the current language. */
export const t = (key) => (STRINGS[key] ? STRINGS[key][lang === 'zh' ? 0 : 1] : key);

/** A `{zh, en}` label from the schema in the current language. */
export const label = (o) => (o ? (lang === 'zh' ? o.zh : o.en) || o.zh || o.name : '');

/** Re-labels every element marked `data-i18n` / `data-i18n-placeholder`. */
export function applyStatic(root = document) {
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
}
