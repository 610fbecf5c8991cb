import sys, re, collections
# usage: agg.py file.txt [event-kind: cpu|alloc] ; input = jfr print --stack-depth 64 output
path=sys.argv[1]; kind=sys.argv[2] if len(sys.argv)>2 else 'cpu'
samples=[]; cur=None; w=1; thread=''
for line in open(path, errors='replace'):
    s=line.strip()
    if s.startswith('jdk.ExecutionSample') or s.startswith('jdk.ObjectAllocationSample'):
        cur=[]; w=1; thread=''; cur_ts=0
    elif s.startswith('startTime'):
        import re as _r
        m=_r.search(r'(\d+):(\d+):(\d+)\.(\d+)', s)
        ts=int(m.group(1))*3600+int(m.group(2))*60+int(m.group(3))+float('0.'+m.group(4)) if m else 0
        cur_ts=ts
    elif s.startswith('sampledThread') or s.startswith('eventThread'):
        thread=s
    elif s.startswith('weight'):
        m=re.search(r'=\s*([\d.]+)\s*(\w+)?', s)
        if m:
            v=float(m.group(1)); u=(m.group(2) or '').lower()
            mult={'bytes':1,'kb':1024,'mb':1<<20,'gb':1<<30}.get(u,1)
            w=v*mult
    elif cur is not None and s.endswith('line:') is False and re.match(r'^[\w$.<>/]+\(.*\)', s):
        cur.append(re.sub(r'\s+line:.*','',s))
    elif s=='}' and cur is not None:
        if cur: samples.append((cur,w,thread,cur_ts))
        cur=None
t0=min(x[3] for x in samples); SKIP=float(__import__('os').environ.get('SKIP','12'))
samples=[(a,b,c) for a,b,c,d in samples if d-t0>=SKIP]
tot=sum(w for _,w,_ in samples)
print('samples',len(samples),'total weight',tot)
def cat(fr):
    for p,c in [('dev.fusion.bench','bench'),('dev.fusion','fusion'),('reactor.','reactor'),('okhttp3','okhttp'),('okio','okio'),('com.fasterxml','jackson'),('kotlin','kotlin'),('java.util.concurrent','juc'),('jdk.internal','jdk.internal'),('sun.nio','nio'),('java.','java'),('sun.','sun')]:
        if fr.startswith(p): return c
    return 'other'
top=collections.Counter(); incl=collections.Counter(); fus=collections.Counter(); cats=collections.Counter()
for st,w,t in samples:
    top[st[0]]+=w; cats[cat(st[0])]+=w
    seen=set()
    for fr in st:
        if fr not in seen: incl[fr]+=w; seen.add(fr)
    # first fusion frame
    for fr in st:
        if fr.startswith('dev.fusion') and not fr.startswith('dev.fusion.bench'):
            fus[fr]+=w; break
N=int(sys.argv[3]) if len(sys.argv)>3 else 30
print('\n== category of top frame'); [print(f'{100*v/tot:6.2f}% {k}') for k,v in cats.most_common()]
print('\n== top frames'); [print(f'{100*v/tot:6.2f}% {k}') for k,v in top.most_common(N)]
print('\n== inclusive fusion frames'); [print(f'{100*v/tot:6.2f}% {k}') for k,v in incl.most_common(400) if k.startswith('dev.fusion')][:0]
for k,v in [(k,v) for k,v in incl.most_common(600) if k.startswith('dev.fusion') or k.startswith('reactor') ][:N*2]: print(f'{100*v/tot:6.2f}% {k}')
print('\n== nearest fusion frame (attribution)'); [print(f'{100*v/tot:6.2f}% {k}') for k,v in fus.most_common(N)]
