import sys,re,collections
# usage: agg.py <jfr print --stack-depth 96 output> [skipSeconds] [topN]
# Self frames, inclusive frames, and the nearest dev.fusion frame of each sample (after the first skipSeconds).
path=sys.argv[1]; skip=float(sys.argv[2]) if len(sys.argv)>2 else 20; N=int(sys.argv[3]) if len(sys.argv)>3 else 25
samples=[]; cur=None; t=None
def secs(s):
    h,m,x=s.split(':'); return int(h)*3600+int(m)*60+float(x)
for line in open(path):
    if line.startswith('jdk.ExecutionSample'): cur=[]; t=None; continue
    if cur is None: continue
    m=re.match(r'^\s+startTime = (\d+:\d+:[\d.]+)',line)
    if m: t=secs(m.group(1)); continue
    m=re.match(r'^\s+([\w$.<>/]+)\(',line)
    if m and 'line:' in line: cur.append(m.group(1)); continue
    if line.strip()=='}' and cur is not None and t is not None:
        samples.append((t,cur)); cur=None
if not samples: print("no samples"); sys.exit()
t0=min(s[0] for s in samples)
ONE_TIME=('EncodingFactory','TokenEncoder.<init>','GptBytePairEncoding.<init>','Holder.<clinit>','CutOffTokens.load')
# the one-time BPE table load (CutOffTokens' warm-up thread) is left out: not per-ask work
samples=[s for s in samples if not any(k in ' '.join(s[1]) for k in ONE_TIME)]
samples=[s for s in samples if s[0]-t0>=skip]
def excluded(st):
    s=' '.join(st)
    return ('bench.Clients' in s or 'Interleaved.lambda' in s and 'dev.fusion.Fusion' not in s and 'dev.fusion.internal' not in s and 'providers' not in s) and 'dev.fusion.Fusion.ask' not in s
tot=len(samples)
self_=collections.Counter(); incl=collections.Counter(); ours=collections.Counter(); cat=collections.Counter()
cats=[('dev.fusion.cost.TokenEstimator','token estimate'),('jtokkit','token estimate'),('dev.fusion','fusion (any frame)'),('reactor.','reactor (any frame)'),('com.fasterxml.jackson','jackson (any frame)'),('okhttp3.sse','okhttp-sse (any frame)'),('okhttp3','okhttp (any frame)'),('okio','okio (any frame)')]
for t,st in samples:
    if not st: continue
    self_[st[0]]+=1
    for f in set(st): incl[f]+=1
    for f in st:
        if f.startswith('dev.fusion.') and not f.startswith('dev.fusion.bench'):
            ours[f]+=1; break
    s=' '.join(st); seen=set()
    for k,name in cats:
        if k in s and name not in seen: cat[name]+=1; seen.add(name)
print(f"samples after {skip:.0f}s: {tot}")
print("-- categories (share of samples with a frame of)")
for k,v in sorted(cat.items(), key=lambda x:-x[1]): print(f"{100*v/tot:5.1f}% {v:6d} {k}")
print(f"-- top {N} self frames")
for f,c in self_.most_common(N): print(f"{100*c/tot:5.1f}% {c:6d} {f}")
print(f"-- top {N} nearest dev.fusion frame (the code of ours each sample runs in or under)")
for f,c in ours.most_common(N): print(f"{100*c/tot:5.1f}% {c:6d} {f}")
print(f"-- top {2*N} inclusive frames")
for f,c in incl.most_common(2*N): print(f"{100*c/tot:5.1f}% {c:6d} {f}")
