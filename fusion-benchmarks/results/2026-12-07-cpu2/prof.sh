#!/bin/bash
# usage: prof.sh JAR TAG ; profiles three ops one after another
JAR=$1; TAG=$2
for op in "Fusion ask" "Fusion ask, JSON panel" "Fusion ask, capped"; do
  name=$(echo "$op" | tr -c 'a-zA-Z\n' '_')
  uptime > prof/$TAG-$name.log
  java -Xmx512m -XX:StartFlightRecording=filename=prof/$TAG-$name.jfr,settings=profile -cp $JAR dev.fusion.bench.load.Interleaved windows=40 windowMs=1000 warmupS=15 "only=$op" >> prof/$TAG-$name.log 2>&1
  uptime >> prof/$TAG-$name.log
done
