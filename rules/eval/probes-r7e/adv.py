# Round 4: positives written to sit right next to the new guards, plus fresh honest wordings.
import json
rows={
'en':[
('f','debt-bondage','jobs','Farm hands, we advance everything','We advance your flight and visa; the advance is repaid from your wages and you cannot leave until it is repaid, as agreed in your contract.'),
('f','recruitment-fee','jobs','Hotel jobs abroad - is this legit? YES','Is this legit? Yes! 100% real hotel jobs in Qatar. Placement fee 900 USD before departure. Passport kept by the company for safety.'),
('f','document-retention','jobs','Packers wanted','If you want the job, you hand your passport to the supervisor on day one; it stays in the office until the end of the contract. Housing deducted. WhatsApp 555-0199.'),
('f','debt-bondage','community','My story: from nothing to 4000 a month','My story: I was broke, now I earn 4000 a month in Dubai. We pay your ticket, you pay us back from wages. Passport kept by the boss. Message me on WhatsApp.'),
('f','deductions','jobs','Season workers','Season workers wanted. Flights, housing and agency fee deducted from salary as per your contract; passport held by the agency until the season ends.'),
('c','ngo-warning',None,'Jobs abroad checklist','Checklist before you go: the employer pays your visa; nobody holds your passport but you; you owe nobody for the flight; you can resign. If any answer is different, do not travel and call the helpline.'),
('c','worker-question','community','Employer kept my passport, what now','My employer kept my passport after I arrived and now says I owe 1200 for the visa. What can I do? Who can help me?','warn'),
('c','seasonal-resort','jobs','Cruise ship stewards','Cabin stewards for a 7 month contract. Crew cabin and meals on board free. Uniform deduction of 20 a month as stated in your contract, refunded at the end.'),
],
'es':[
('f','debt-bondage','jobs','Recolectores, te adelantamos todo','Te adelantamos el billete y el visado, se descuenta del sueldo por escrito y no puedes irte hasta devolverlo todo.'),
('f','recruitment-fee','jobs','¿Es una estafa? ¡NO!','¿Es una estafa? ¡No! Trabajo real en hoteles de Qatar. Cuota de colocación 900 dólares antes de viajar. El pasaporte lo guarda la empresa.'),
('f','document-retention','jobs','Envasadores','Si quieres el puesto, entregas tu pasaporte al encargado el primer día y se queda en la oficina hasta el final del contrato. Alojamiento descontado. WhatsApp 600 000 199.'),
('c','ngo-warning',None,'Antes de irte a trabajar fuera','Antes de viajar comprueba: la empresa paga tu visado, nadie guarda tu pasaporte salvo tú, no debes nada del billete. Si algo no cuadra, no viajes y llama a la línea de ayuda.'),
('c','worker-question','community','Me quitaron el pasaporte','Mi jefe se quedó con mi pasaporte al llegar y ahora dice que le debo 1200 del visado. ¿Qué puedo hacer?','warn'),
],
'fr':[
('f','debt-bondage','jobs','Cueilleurs, tout est avancé','Nous avançons le billet et le visa, remboursés sur salaire selon le contrat ; impossible de partir avant d\'avoir tout remboursé. Passeport gardé par le chef.'),
('f','recruitment-fee','jobs','Arnaque ? NON !','Arnaque ou pas ? Pas du tout ! Vrai travail en hôtel au Qatar. Frais de placement 900 dollars avant le départ. Passeport gardé par l\'entreprise.'),
('c','worker-question','community','Mon patron a mon passeport','Mon patron a gardé mon passeport à mon arrivée et dit que je lui dois 1200 euros pour le visa. Que dois-je faire ?','warn'),
('c','au-pair','jobs','Au pair à Lille','Au pair pour un bébé. Règles de la maison : pas de sortie après 22 h en semaine, ne pas quitter la maison avec le bébé sans nous prévenir. Chambre, repas, 300 euros par mois.'),
],
'pt':[
('f','debt-bondage','jobs','Apanhadores, adiantamos tudo','Adiantamos a passagem e o visto, descontados do salário por acordo escrito; não pode sair até pagar tudo. Passaporte fica com o encarregado.'),
('f','recruitment-fee','jobs','É golpe? NÃO!','É golpe? Não! Trabalho real em hotéis no Qatar. Taxa de colocação de 900 dólares antes da viagem. O passaporte fica com a empresa.'),
('f','hostess-abroad','community','Minha história: de garçonete a rica','Minha história: eu era garçonete, hoje ganho 5000 euros como hostess na Suíça. Procuramos moças bonitas, passagem adiantada. Me chama no WhatsApp.'),
('c','worker-question','community','O patrão ficou com o meu passaporte','O meu patrão ficou com o meu passaporte quando cheguei e diz que lhe devo 1200 euros do visto. O que devo fazer?','warn'),
],
}
for lang,rs in rows.items():
    out=[]
    nc=nf=0
    for r in rs:
        kind,group,section,title,body=r[:5]; tier=r[5] if len(r)>5 else None
        if kind=='c':
            nc+=1; d={"id":f"r7e-{lang}-adv-h-{nc:02d}","label":"clean","max_tier":tier or "allow","group":"honest:"+group}
        else:
            nf+=1; d={"id":f"r7e-{lang}-adv-p-{nf:02d}","label":"flag","min_tier":tier or "review","group":group}
        if section: d["section"]=section
        d["title"]=title; d["body"]=body
        out.append(json.dumps(d,ensure_ascii=False))
    open(f"adv-{lang}.jsonl","w").write("\n".join(out)+"\n")
