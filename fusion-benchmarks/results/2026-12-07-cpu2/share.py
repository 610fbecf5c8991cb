import sys,re
# share of samples in the token estimate (after skip s), the one-time BPE table load left out
path=sys.argv[1]; skip=float(sys.argv[2]) if len(sys.argv)>2 else 15
cur=None;t=None;samples=[]
def secs(s):
    h,m,x=s.split(':'); return int(h)*3600+int(m)*60+float(x)
for line in open(path):
    if line.startswith('jdk.ExecutionSample'): cur=[]; t=None; continue
    if cur is None: continue
    m=re.match(r'^\s+startTime = (\d+:\d+:[\d.]+)',line)
    if m: t=secs(m.group(1)); continue
    m=re.match(r'^\s+([\w$.<>/]+)\(',line)
    if m and 'line:' in line: cur.append(m.group(1)); continue
    if line.strip()=='}': samples.append((t,cur)); cur=None
t0=min(s[0] for s in samples); tot=0; est=0; load=0
for t,st in samples:
    if t-t0<skip or not st: continue
    s=' '.join(st)
    if 'EncodingFactory' in s or 'TokenEncoder.<init>' in s or 'GptBytePairEncoding.<init>' in s or 'Holder.<clinit>' in s: load+=1; continue
    tot+=1
    if 'TokenEstimator' in s or 'jtokkit' in s or 'ImageTokens' in s: est+=1
print(f"{path}: samples after {skip:.0f}s {tot}, in the token estimate {est} = {100*est/max(1,tot):.1f}% (BPE table load left out: {load})")
