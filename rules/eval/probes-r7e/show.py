import json,subprocess,sys,os
T={'allow':0,'warn':1,'review':2,'block':3}
files=sys.argv[1:]
for f in files:
    ads=[json.loads(l) for l in open(f)]
    out=subprocess.run(['/work/tools/rfh','scan'],input="\n".join(json.dumps({k:v for k,v in a.items() if k in ("section","title","body")}) for a in ads),capture_output=True,text=True,env=dict(os.environ,PACKDIR=os.environ.get('PK','rules'))).stdout.splitlines()
    for a,o in zip(ads,out):
        o=json.loads(o)
        v=o['verdict']
        bad = (a['label']=='clean' and T[v]>T[a.get('max_tier','allow')]) or (a['label']=='flag' and T[v]<T[a.get('min_tier','review')])
        if bad or '-v' in os.environ.get('SHOWALL',''):
            rs=", ".join(f"{r['id']}:{r.get('score')}" for r in o['rules'])
            print(a['id'],a['group'],a.get('max_tier',a.get('min_tier')),'->',v,o['score'],'|',rs,'| F:',",".join(o.get('filters',[])))
