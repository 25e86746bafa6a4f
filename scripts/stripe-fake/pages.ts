/**
 * The Stripe fake's hosted pages: Checkout (`/checkout/:id`) and the customer portal
 * (`/portal/:id`). They stand in for checkout.stripe.com and billing.stripe.com so a browser test
 * (or a developer) can click through the app's real redirects.
 *
 * Plain server-rendered HTML: semantic and labelled so accessibility-tree queries find them
 * (`getByRole('button', { name: 'Pay' })`), no scripts and nothing loaded from elsewhere, and a
 * Content-Security-Policy saying so. Every interpolated value is escaped.
 */
import { escapeHtml, formatAmount } from './wire';

/** No scripts, no external resources; only the inline style below. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1a1f36}
main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0}.amount{font-size:2rem;font-weight:600;margin:.5rem 0}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:.3rem;background:#635bff;color:#fff;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid #1a1f36;outline-offset:2px}
ul{list-style:none;padding:0}li{display:flex;justify-content:space-between;align-items:center;gap:1rem;margin:.75rem 0}
.note{color:#4f566b;font-size:.9rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface CheckoutPageData {
  sessionId: string;
  status: 'open' | 'complete' | 'expired';
  productName: string;
  unitAmount: number;
  quantity: number;
  currency: string;
  customerEmail: string | null;
  cancelUrl: string;
  trialDays: number | null;
}

export function checkoutPage(data: CheckoutPageData): string {
  const price = `${formatAmount(data.unitAmount * data.quantity, data.currency)} per month`;
  if (data.status !== 'open') {
    return page(
      'Checkout unavailable',
      `<h1>This checkout session is ${data.status === 'complete' ? 'already complete' : 'expired'}</h1>
<p><a href="${escapeHtml(data.cancelUrl)}">Return to the site</a></p>`,
    );
  }
  const trial =
    data.trialDays !== null && data.trialDays > 0
      ? `<p class="note">Includes a ${data.trialDays}-day free trial; nothing is charged today.</p>\n`
      : '';
  const who =
    data.customerEmail === null
      ? ''
      : `<p class="note">Subscribing as ${escapeHtml(data.customerEmail)}</p>\n`;
  return page(
    `Subscribe to ${data.productName}`,
    `<h1>Subscribe to ${escapeHtml(data.productName)}</h1>
<p class="amount">${escapeHtml(price)}</p>
${trial}${who}<p class="note">Local Stripe fake: no card is needed and no money moves.</p>
<form method="post" action="/checkout/${escapeHtml(data.sessionId)}/pay">
<button type="submit">Pay</button>
</form>
<p><a href="${escapeHtml(data.cancelUrl)}">Cancel and return</a></p>`,
  );
}

export interface PortalPageData {
  sessionId: string;
  customerEmail: string | null;
  returnUrl: string | null;
  subscriptions: {
    id: string;
    productName: string;
    status: string;
    unitAmount: number;
    currency: string;
    currentPeriodEnd: number;
    cancelAtPeriodEnd: boolean;
  }[];
}

export function portalPage(data: PortalPageData): string {
  const rows = data.subscriptions.map((subscription) => {
    const renews = new Date(subscription.currentPeriodEnd * 1000).toISOString().slice(0, 10);
    const when = subscription.cancelAtPeriodEnd ? `ends ${renews}` : `renews ${renews}`;
    return `<li>
<span>${escapeHtml(subscription.productName)}: ${escapeHtml(formatAmount(subscription.unitAmount, subscription.currency))} per month, ${escapeHtml(subscription.status)}, ${when}</span>
<form method="post" action="/portal/${escapeHtml(data.sessionId)}/cancel/${escapeHtml(subscription.id)}">
<button type="submit">Cancel ${escapeHtml(subscription.productName)}</button>
</form>
</li>`;
  });
  const list =
    rows.length === 0 ? '<p>You have no active subscriptions.</p>' : `<ul>\n${rows.join('\n')}\n</ul>`;
  const who = data.customerEmail === null ? '' : `<p class="note">${escapeHtml(data.customerEmail)}</p>\n`;
  const back = data.returnUrl === null ? '' : `<p><a href="${escapeHtml(data.returnUrl)}">Return</a></p>`;
  return page(
    'Manage your subscription',
    `<h1>Manage your subscription</h1>\n${who}<h2>Subscriptions</h2>\n${list}\n${back}`,
  );
}

export function notFoundPage(what: string): string {
  return page('Not found', `<h1>Not found</h1>\n<p>${escapeHtml(what)}</p>`);
}
