import sys,re
# share of samples in the token estimate, excluding the one-time BPE table load and the raw baselines' threads
tot=0; est=0; load=0; raw=0
cur=[];inside=False
for line in open(sys.argv[1]):
    if line.startswith('jdk.ExecutionSample'): cur=[];inside=True;continue
    m=re.match(r'^\s+([\w$.<>/]+)\(',line)
    if inside and m and 'line:' in line: cur.append(m.group(1)); continue
    if inside and line.strip()=='}':
        inside=False
        if not cur: continue
        s=' '.join(cur)
        if 'EncodingFactory' in s or 'TokenEncoder.<init>' in s or 'GptBytePairEncoding.<init>' in s or 'Holder.<clinit>' in s:
            load+=1; continue
        if 'bench.Clients$Raw' in s or 'Clients.fanOutOnPool' in s:
            raw+=1; continue
        tot+=1
        if 'TokenEstimator' in s or 'jtokkit' in s or 'estimatePrompt' in s or 'requestTokens' in s:
            est+=1
print(f"{sys.argv[1]}: samples (Fusion side, after load) {tot}, in the token estimate {est} = {100*est/max(1,tot):.1f}%  (excluded: BPE table load {load}, raw baselines {raw})")
