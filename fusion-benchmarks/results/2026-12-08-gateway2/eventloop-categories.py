import sys,re,collections
path=sys.argv[1]; pat=sys.argv[2]
# precedence: first category whose key appears ANYWHERE in the stack
cats=[('AskRun.start','engine ask start'),('dev.fusion.internal','engine other'),('readTree','request parse'),('Requests.','request parse'),('Gateway.readBody','body read'),
('Gateway.newId','ask id'),('Formats','formats'),('HttpObjectEncoder','http encode'),('doWrite','socket write'),('MonoSendMany','send other'),
('HttpObjectDecoder','http decode'),('DisposedChannel','rn terminate'),('ChannelOperations.terminate','rn terminate'),('onOutboundComplete','rn response end'),
('Gateway.stream','gateway stream setup'),('Gateway.run','gateway run'),('Gateway.ask','gateway ask'),('Gateway.handle','gateway handle'),('Gateway','gateway other'),
('handleDefaultHttpRequest','rn request start'),('HttpServerOperations','rn ops'),('NioIoHandler.select','select'),('runAllTasks','tasks'),('reactor.netty','rn other'),('io.netty','netty other')]
samples=[];cur=None;thr=None
for line in open(path):
    if line.startswith('jdk.ExecutionSample'): cur=[];thr=None;continue
    if cur is None: continue
    m=re.match(r'^\s+sampledThread = "([^"]*)"',line)
    if m: thr=m.group(1);continue
    m=re.match(r'^\s+([\w$.<>/]+)\(',line)
    if m and 'line:' in line: cur.append(m.group(1)); continue
    if line.strip()=='}' and cur is not None:
        if thr and re.search(pat,thr): samples.append(cur)
        cur=None
c=collections.Counter()
for st in samples:
    s=' '.join(st); k='other'
    for p,n in cats:
        if p in s: k=n; break
    c[k]+=1
print('samples',len(samples))
for k,v in c.most_common(): print(f'{v:6d} {100*v/len(samples):5.1f}% {k}')
