// A deterministic generator of realistic classified ads for the benchmarks:
// lengths from 100 bytes to 10 KB, mixed sections, a given share carrying
// indicators (some of them obfuscated), emoji and non-Latin text included.
//
//   node benches/corpus.mjs [N=2000] [SEED=42] [RATE=0.03] > corpus.jsonl
//
// Synthetic text only: no real ads, people or contact details.

/** Mulberry32: small, fast, deterministic. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const benign = {
  jobs: [
    "We are hiring line cooks and kitchen porters for our busy restaurant.",
    "Full-time warehouse operatives, day and night shifts, overtime paid at time and a half.",
    "Experience with forklifts is an advantage but we provide full training.",
    "Competitive salary, 25 days of paid holiday, pension scheme and staff discounts.",
    "Apply online with your CV and a short cover letter; interviews next week.",
    "Se buscan camareros con experiencia para temporada de verano, contrato y alta en la seguridad social.",
    "Nous recrutons des vendeurs en CDI, formation assurée, tickets restaurant.",
    "Vagas para recepcionista com inglês fluente, salário compatível e plano de saúde.",
  ],
  housing: [
    "Bright two-bedroom apartment close to the park and the metro, fully furnished.",
    "Rent includes water and heating; electricity and internet are split between tenants.",
    "Quiet building, laundry in the basement, bike storage, no smoking please.",
    "Квартира в центре города, рядом метро, евроремонт, можно с животными.",
  ],
  "for-sale": [
    "Selling my road bike, aluminium frame, new tyres, serviced last month.",
    "Vintage café racer seat, a few scratches, collection only.",
    "Laptop with 16 GB of RAM and a 512 GB SSD, battery in good condition, charger included.",
    "二手自行车，九成新，价格可议，仅限自取。",
  ],
  services: [
    "Licensed massage therapist, sports and deep tissue, by appointment only.",
    "Garden maintenance, hedge trimming and lawn care, free quotes.",
    "Piano lessons for beginners and intermediate students, all ages welcome.",
  ],
  personals: [
    "Looking for a hiking partner for weekend trips in the mountains.",
    "New in town and keen to meet people for board games and coffee.",
    "أبحث عن شريك لتعلم اللغة الإنجليزية والعربية، لقاء أسبوعي في المكتبة.",
  ],
  community: [
    "Volunteers needed for the Saturday food bank, two hours a week.",
    "The book club meets on the first Thursday of every month at the library.",
  ],
};

const flagged = {
  jobs: [
    "Pay the registration fee of 300 USD before departure. Your passport will be kept by the employer.",
    "P4y the r3gistration f33, y0ur p4ssp0rt w1ll b3 k3pt.",
    "Transport and housing costs are deducted from your wages until your debt is repaid.",
    "Young hostesses wanted abroad, no experience needed, very high salary, WhatsApp only.",
  ],
  adult: [
    "Sweet new girl, age: 16, discreet incall, txt 2O2-555-O147.",
    "🌹🌹 150 roses/hh, young and fresh, always available, my manager books.",
    "y0ung fr3sh g1rl, n3w 1n t0wn, c a l l  f i v e  f i v e  f i v e.",
  ],
};

const emoji = ["😀", "🚲", "🏠", "✨", "🌴", "📞", "👍"];

/** One ad of about `size` bytes. */
function ad(r, i, size, flag) {
  const sections = flag ? Object.keys(flagged) : Object.keys(benign);
  const section = sections[Math.floor(r() * sections.length)];
  const pool = benign[section] ?? benign.jobs;
  const parts = [];
  let len = 0;
  const indicatorAt = flag ? Math.floor(r() * 3) : -1;
  let k = 0;
  while (len < size) {
    let s;
    if (k === indicatorAt) {
      const f = flagged[section];
      s = f[Math.floor(r() * f.length)];
    } else {
      s = pool[Math.floor(r() * pool.length)];
    }
    if (r() < 0.2) s += ` ${emoji[Math.floor(r() * emoji.length)]}`;
    parts.push(s);
    len += Buffer.byteLength(s) + 1;
    k += 1;
  }
  const body = parts.join(" ");
  return { id: i, section: flag && section === "adult" ? "adult" : section, title: `${pool[0].split(" ").slice(0, 5).join(" ")} #${i}`, body };
}

/** N ads; sizes log-uniform between 100 B and 10 KB. */
export function generate({ n = 2000, seed = 42, rate = 0.03, minSize = 100, maxSize = 10_000 } = {}) {
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const size = Math.round(Math.exp(Math.log(minSize) + r() * (Math.log(maxSize) - Math.log(minSize))));
    out.push(ad(r, i, size, r() < rate));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n = "2000", seed = "42", rate = "0.03"] = process.argv.slice(2);
  for (const a of generate({ n: Number(n), seed: Number(seed), rate: Number(rate) })) console.log(JSON.stringify(a));
}
