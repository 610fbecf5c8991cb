#!/bin/bash
# quiet machine: before (63a0655, before the wave's CPU passes) vs main 11bf743, one JVM per mode
cd /work/quiet
for mode in "streaming=true" "streaming=false" "streaming=true cap=true"; do
  tag=$(echo "$mode" | tr ' =' '__')
  { uptime; java -Xmx768m -cp main-11bf743.jar dev.fusion.bench.load.AbCpu a=before-63a0655.jar b=main-11bf743.jar rounds=40 warmupS=20 $mode 2>&1 | grep -v SLF4J; uptime; } > ab-$tag.txt
done
{ uptime; java -Xmx768m -cp main-11bf743.jar dev.fusion.bench.load.Interleaved windows=30 windowMs=1000 warmupS=20 "only=Fusion ask;raw streamed fan-out;Fusion ask, JSON panel;raw fan-out on pool;LangChain4j streamed fan-out" 2>&1 | grep -v SLF4J; uptime; } > interleaved-quiet-2.txt
echo done > ab.done
