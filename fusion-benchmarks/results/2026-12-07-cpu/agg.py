import sys, re, collections
# usage: jfr print --events jdk.ExecutionSample f.jfr | python3 agg.py [N] [substr-for-inclusive...]
N=int(sys.argv[1]) if len(sys.argv)>1 else 25
incl=sys.argv[2:]
top=collections.Counter(); inc=collections.Counter(); ours=collections.Counter()
total=0; stack=None
frame_re=re.compile(r'^\s+([\w$.<>/]+)\(')
for line in sys.stdin:
    if line.startswith('jdk.ExecutionSample'):
        stack=[]; continue
    if stack is None: continue
    m=frame_re.match(line)
    if m and 'line:' in line:
        stack.append(m.group(1)); continue
    if line.strip()=='}' or line.strip().startswith('...'):
        if line.strip()=='}' and stack is not None:
            if stack:
                total+=1
                top[stack[0]]+=1
                seen=set()
                for f in stack:
                    for s in incl:
                        if s in f and s not in seen:
                            seen.add(s); inc[s]+=1
                # first frame in dev.fusion
                for f in stack:
                    if f.startswith('dev.fusion') and not f.startswith('dev.fusion.bench'):
                        ours[f]+=1; break
            stack=None
print("samples", total)
print("-- top (self) frames")
for f,c in top.most_common(N): print(f"{100*c/total:5.1f}% {c:6d} {f}")
print("-- first dev.fusion frame on the stack (excl. bench)")
for f,c in ours.most_common(N): print(f"{100*c/total:5.1f}% {c:6d} {f}")
if incl:
    print("-- inclusive")
    for s in incl: print(f"{100*inc[s]/total:5.1f}% {inc[s]:6d} {s}")
