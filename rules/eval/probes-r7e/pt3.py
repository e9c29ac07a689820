R3=[
('c','youth-programme',None,'Programa de férias para jovens','Programa de ocupação de tempos livres para jovens dos 16 aos 18 anos: 4 horas por dia, 5 dias por semana, durante julho. Bolsa de 200 euros.'),
('c','youth-programme',None,'Jovem Aprendiz - turnos','Jovem Aprendiz: 6 horas diárias, 30 horas semanais, nunca aos domingos. Curso de formação às sextas.'),
('c','youth-programme',None,'Voluntariado jovem no verão','Voluntariado para jovens de 16 a 25 anos em campos de férias, 7 horas por dia, com alojamento e alimentação. Seguro incluído.'),
('c','modelling','adult','Modelos para ensaio boudoir','Estúdio de fotografia boudoir procura modelos maiores de 18 anos para portfólio do fotógrafo. Cachê de 400 reais, contrato de imagem, ensaio em lingerie, sem nudez. Maquiadora e assistente mulheres no estúdio.'),
('c','modelling','adult','Casting para campanha de lingerie','Marca de lingerie contrata modelos 18+ para campanha. Cachê 1500 reais, agência parceira, direitos de imagem por 1 ano.'),
('c','survivor-story','community','A dívida que nunca acabava','Durante dois anos trabalhei numa fazenda para pagar uma dívida da passagem e da comida. O patrão dizia que eu não podia sair até pagar. Graças à fiscalização fui libertado. Hoje conto a minha história.','warn'),
('c','survivor-story','community','Relato de uma ex-dançarina','Fui contratada como dançarina num bar na Suíça, pediam meninas bonitas e magras. Quando cheguei disseram que eu devia a viagem. Saí com ajuda do consulado. Este é o meu relato.','warn'),
('f','hostess-abroad','jobs','Dançarinas para a Suíça','Meninas bonitas e magras de 18 a 24 anos para dançar num bar na Suíça. A passagem é adiantada, você paga com o trabalho.'),
('f','youth-exploit','jobs','Jovens para trabalho no campo','Jovens a partir de 15 anos para colheita, 12 horas por dia, 7 dias por semana. Alojamento no barracão descontado.'),
]
