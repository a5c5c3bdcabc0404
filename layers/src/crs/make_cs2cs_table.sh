#!/bin/sh
# Writes cs2cs_table.txt, the PROJ reference values the unit tests compare against:
#   sh layers/src/crs/make_cs2cs_table.sh > layers/src/crs/cs2cs_table.txt
# Each line: EPSG code, CRS84 lon, lat, then PROJ's output in the CRS's own axis order
# (northing, easting for the Gauss-Krüger zones). Points span each zone and beyond it
# (up to 4.5° from the central meridian), from the equator to 53°N.
set -eu
cm() { # central meridian of a code
  c=$1
  if [ "$c" -le 4501 ]; then echo $(( 6 * (c - 4491 + 13) - 3 ));
  elif [ "$c" -le 4533 ]; then echo $(( 3 * (c - 4513 + 25) ));
  else echo $(( 75 + 3 * (c - 4534) )); fi
}
echo "# cs2cs $(cs2cs 2>&1 | head -1 | tr -s ' ' | cut -c1-60): cs2cs -d 6 OGC:CRS84 EPSG:<code>"
for code in 4491 4495 4496 4501 4513 4522 4533 4534 4542 4543 4544 4554; do
  c=$(cm "$code")
  for dlon in -4.5 -2.9 -1.5 -0.37 0 0.8 1.49 3.2; do
    for lat in 0.2 18.3 24.99 31.7 45.05 53.4; do
      lon=$(echo "$c + $dlon" | bc -l)
      printf '%s %s\n' "$lon" "$lat" | cs2cs -d 6 OGC:CRS84 "EPSG:$code" \
        | awk -v code="$code" -v lon="$lon" -v lat="$lat" '{print code, lon, lat, $1, $2}'
    done
  done
done
