import sys,re,collections
top=collections.Counter();tot=0
cur=[];inside=False
for line in open(sys.argv[1]):
    if line.startswith('jdk.ExecutionSample'): cur=[];inside=True;continue
    m=re.match(r'^\s+([\w$.<>/]+)\(',line)
    if inside and m and 'line:' in line: cur.append(m.group(1)); continue
    if inside and line.strip()=='}':
        inside=False
        s=' '.join(cur)
        if not cur or 'EncodingFactory' in s or 'TokenEncoder.<init>' in s or 'GptBytePairEncoding.<init>' in s or 'Holder.<clinit>' in s or 'ClassLoader' in s or 'LambdaMetafactory' in s or 'Clients$Raw' in s: continue
        tot+=1; top[cur[0]]+=1
print("samples",tot)
for f,c in top.most_common(int(sys.argv[2])): print(f"{100*c/tot:4.1f}% {f}")
