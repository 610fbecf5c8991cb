import sys,re,collections
# stacks.py file pattern [depth]: the most common stacks (first `depth` frames) of samples whose stack has a frame matching pattern
path,pat=sys.argv[1],sys.argv[2]; depth=int(sys.argv[3]) if len(sys.argv)>3 else 12
c=collections.Counter(); cur=None
for line in open(path):
    if line.startswith('jdk.ExecutionSample'): cur=[]; continue
    if cur is None: continue
    m=re.match(r'^\s+([\w$.<>/]+)\(.*line: (\d+)',line)
    if m: cur.append(m.group(1)+':'+m.group(2)); continue
    if line.strip()=='}':
        for i,f in enumerate(cur):
            if re.search(pat,f):
                c[' <- '.join(cur[:max(depth,i+3)])]+=1; break
        cur=None
for s,n in c.most_common(8): print(n, s.replace(' <- ','\n     <- ')); print()
