import sys,re,collections
# selfcat.py file skip: share of samples by the package of the top (self) frame, and by the nearest non-JDK frame
path=sys.argv[1]; skip=float(sys.argv[2]) if len(sys.argv)>2 else 15
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
t0=min(s[0] for s in samples); ONE_TIME=('EncodingFactory','TokenEncoder.<init>','GptBytePairEncoding.<init>','Holder.<clinit>','CutOffTokens.load')
# the one-time BPE table load (CutOffTokens' warm-up thread) is left out: not per-ask work
samples=[s for s in samples if not any(k in ' '.join(s[1]) for k in ONE_TIME)]
samples=[s for s in samples if s[0]-t0>=skip and s[1]]
def pkg(f):
    for p in ['dev.fusion.providers','dev.fusion.internal','dev.fusion.cost','dev.fusion.judge','dev.fusion.model','dev.fusion.bench','dev.fusion','reactor','com.fasterxml.jackson','okhttp3.sse','okhttp3','okio','kotlin','com.knuddels','java','jdk','sun']:
        if f.startswith(p): return p
    return 'other'
c=collections.Counter(); n=collections.Counter()
for t,st in samples:
    c[pkg(st[0])]+=1
    for f in st:
        p=pkg(f)
        if p not in ('java','jdk','sun','kotlin'): n[p]+=1; break
    else: n['jdk only']+=1
tot=len(samples); print("samples",tot)
print("-- by package of the self frame / of the nearest non-JDK frame")
for k in sorted(set(c)|set(n), key=lambda k:-n[k]): print(f"{k:26s} self {100*c[k]/tot:5.1f}%   nearest-non-JDK {100*n[k]/tot:5.1f}%")
