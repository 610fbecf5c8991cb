import os, datetime, json, subprocess, sys, collections, re
def load(path):
    out = subprocess.run(['jfr','print','--json','--stack-depth','64','--events','jdk.ExecutionSample',path],capture_output=True,text=True).stdout
    d = json.loads(out)
    return d['recording']['events']
def fname(f):
    m = f['method']
    return m['type']['name'] + '.' + m['name']
def thread_group(name):
    name = re.sub(r'\d+', 'N', name or '?')
    return name
def pkg_of(fr):
    # first frame in a "category"
    return fr
def main():
    path = sys.argv[1]; top = int(sys.argv[2]) if len(sys.argv)>2 else 30
    ev = load(path)
    w = os.environ.get('WIN')
    if w:
        a,b = [int(x) for x in w.split(',')]
        def ms(e):
            t = e['values']['startTime']
            d = datetime.datetime.fromisoformat(t[:26] + '+00:00')
            return d.timestamp()*1000
        ev = [e for e in ev if a <= ms(e) <= b]
    th = os.environ.get('THREAD')
    if th:
        ev = [e for e in ev if re.search(th, (e['values']['sampledThread'].get('javaName') or ''))]
    n = len(ev)
    if os.environ.get('CALLERS'):
        pat = os.environ['CALLERS']; cc = collections.Counter()
        for e in ev:
            fr = e['values']['stackTrace']['frames']
            if fr and re.search(pat, fname(fr[0])):
                cc[' < '.join(fname(f).split('/')[-1] for f in fr[1:6])] += 1
        print('-- callers of', pat); [print(v, k) for k,v in cc.most_common(12)]
    selfc = collections.Counter(); threads = collections.Counter(); incl = collections.Counter(); cat = collections.Counter()
    for e in ev:
        t = e['values']['sampledThread']
        tn = t.get('javaName') or t.get('osName')
        threads[thread_group(tn)] += 1
        frames = e['values']['stackTrace']['frames']
        if not frames: continue
        selfc[fname(frames[0])] += 1
        seen = set()
        for f in frames:
            k = fname(f)
            if k not in seen:
                seen.add(k); incl[k] += 1
        # category: first frame whose package is of interest
        c = 'other'
        for f in frames:
            k = fname(f)
            if k.startswith('io.lettuce'): c = 'lettuce'; break
            if k.startswith('dev.fusion.redis'): c = 'fusion-redis'; break
        cat[c] += 1
    print(f'{path}: {n} samples')
    print('-- threads'); [print(f'{v*100/n:6.1f}% {k}') for k,v in threads.most_common(15)]
    print('-- stacks containing lettuce / fusion-redis frames'); [print(f'{v*100/n:6.1f}% {k}') for k,v in cat.most_common()]
    print('-- self top'); [print(f'{v*100/n:6.1f}% {k}') for k,v in selfc.most_common(top)]
    if len(sys.argv)>3:
        pat = sys.argv[3]
        print('-- inclusive matching', pat); [print(f'{v*100/n:6.1f}% {k}') for k,v in incl.most_common() if re.search(pat,k)][:top]
main()
