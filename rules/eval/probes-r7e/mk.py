import json,sys
def emit(lang, rows):
    out=[]
    n={'c':0,'f':0}
    for r in rows:
        kind, group, section, title, body = r[:5]
        tier = r[5] if len(r)>5 else None
        if kind=='c':
            n['c']+=1
            d={"id":f"r7e-{lang}-h-{n['c']:03d}","label":"clean","max_tier":tier or "allow","group":"honest:"+group}
        else:
            n['f']+=1
            d={"id":f"r7e-{lang}-p-{n['f']:03d}","label":"flag","min_tier":tier or "review","group":group}
        if section: d["section"]=section
        d["title"]=title; d["body"]=body
        out.append(json.dumps(d,ensure_ascii=False))
    open(f"{lang}.jsonl","w").write("\n".join(out)+"\n")
