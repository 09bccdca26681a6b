// Geo pricing as a service worker: the price list is in USD; the visitor's
// country (request.cf.country) picks the currency, exchange rate and tax.
const PRICES_USD = { basic: 10, pro: 25, team: 99 };

const REGIONS = {
  US: { currency: "USD", rate: 1, tax: 0 },
  AR: { currency: "ARS", rate: 1000, tax: 0.21 },
  BR: { currency: "BRL", rate: 5, tax: 0.17 },
  DE: { currency: "EUR", rate: 0.92, tax: 0.19 },
  FR: { currency: "EUR", rate: 0.92, tax: 0.2 },
  GB: { currency: "GBP", rate: 0.79, tax: 0.2 },
  JP: { currency: "JPY", rate: 150, tax: 0.1 },
};

function priceFor(country) {
  const region = REGIONS[country] || REGIONS.US;
  const plans = {};
  for (const [plan, usd] of Object.entries(PRICES_USD)) {
    const net = usd * region.rate;
    plans[plan] = {
      net: Math.round(net * 100) / 100,
      tax: Math.round(net * region.tax * 100) / 100,
      total: Math.round(net * (1 + region.tax) * 100) / 100,
    };
  }
  return { country: REGIONS[country] ? country : "US", currency: region.currency, taxRate: region.tax, plans };
}

addEventListener("fetch", (event) => {
  const country = event.request.cf?.country || "US";
  event.respondWith(Response.json(priceFor(country), { headers: { "cache-control": "private, max-age=60", vary: "cf-ipcountry" } }));
});
