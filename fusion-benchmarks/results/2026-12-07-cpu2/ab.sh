#!/bin/bash
# before/after in one JVM per run: streamed (default), JSON, streamed under a cap
cd /tmp/cpu2
for mode in "streaming=true" "streaming=false" "streaming=true cap=true"; do
  tag=$(echo "$mode" | tr ' =' '__')
  { uptime; java -Xmx768m -cp after.jar dev.fusion.bench.load.AbCpu a=before.jar b=after.jar rounds=40 warmupS=20 $mode 2>&1 | grep -v SLF4J; uptime; } > ab-$tag.txt
done
