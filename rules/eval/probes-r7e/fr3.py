R3=[
('c','au-pair','jobs','Au pair pour famille à Genève','Famille cherche au pair pour deux ans. Règles : pas de sorties la nuit en semaine, rentrer avant 23 h, ne pas quitter la maison avec les enfants sans prévenir. Chambre, repas, 800 CHF par mois, cours de français.'),
('c','au-pair','jobs','Au pair à la campagne','Au pair dans une ferme en Normandie. La maison est isolée, pas de transports : nous vous conduisons en ville le samedi. Vous ne sortirez pas seule la nuit par sécurité. Argent de poche et assurance payés.'),
('c','live-in-care','housing','Chambre contre présence de nuit','Chambre meublée offerte gratuitement à un(e) étudiant(e) en échange d\'une présence la nuit auprès de ma mère. Aucun loyer, aucun travail ménager exigé.'),
('c','live-in-care','housing','Garde à domicile logée nourrie','Garde à domicile logée, nourrie. Le logement est déduit du salaire au barème de l\'avantage en nature URSSAF, clairement indiqué sur la fiche de paie. Contrat CDI.','warn'),
('c','modelling','jobs','Modèles pour école de coiffure','École de coiffure cherche modèles pour coupes et couleurs gratuites. Aucun frais, produits offerts. Séances le mardi.'),
('c','modelling','jobs','Mannequins pour défilé caritatif','Défilé caritatif : mannequins bénévoles recherchés. Les frais de participation des invités (20 euros) vont à l\'association. Aucun frais pour les mannequins.'),
('c','nightlife','jobs','Videur pour boîte de nuit','Boîte de nuit recrute agent de sécurité, carte professionnelle exigée. Prix d\'entrée clients 15 euros. Aucun frais à l\'embauche. 14 euros de l\'heure.'),
('c','nightlife','jobs','DJ résident','Club cherche DJ résident le samedi. Cachet 250 euros par soirée. Pas de frais, matériel fourni.'),
('c','fishing','jobs','Matelot pour palangrier','Palangrier recrute matelot. Avance de 500 euros possible à l\'embarquement pour l\'équipement, retenue sur la première paie comme indiqué au contrat.','warn'),
('c','ngo-warning',None,'Cinq questions à poser à un recruteur','1. Dois-je payer des frais ? Non. 2. Devrai-je rembourser le voyage ou le visa sur mon salaire ? Non. 3. Qui garde mon passeport ? Vous. 4. Puis-je quitter le travail quand je veux ? Oui.'),
('f','au-pair-abuse','jobs','Au pair logée','Au pair logée, interdiction de sortir sans la famille, passeport conservé par nous, travail 7 jours sur 7.'),
('f','modelling-fee','jobs','Devenez mannequin','Agence de mannequins : frais d\'inscription de 300 euros pour le book obligatoire, contrats garantis à l\'étranger.'),
]
