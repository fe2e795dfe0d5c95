// run.mjs PAGE_URL: opens PAGE_URL in Debian's chromium (/usr/bin/chromium,
// or $GATEHOUSE_TEST_CHROMIUM) through playwright-core, clicks the form's
// Submit button and prints the answer the page shows as one JSON line:
//
//   {"status":200,"body":"{\n    \"method\": \"POST\", ...}"}
//
// or {"error":"TypeError: Failed to fetch"} when fetch failed in the page
// (a CORS refusal, say). The browser's console messages, failed requests
// and page errors go to stderr. It exits 0 when an answer or an error was
// read from the page, 1 when the page did not get that far.
//
// Playwright never downloads a browser here: executablePath is always
// given, and a fresh --user-data-dir is made for each run and removed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const pageURL = process.argv[2];
if (!pageURL) {
  console.error("usage: node run.mjs PAGE_URL");
  process.exit(2);
}
const executablePath = process.env.GATEHOUSE_TEST_CHROMIUM || "/usr/bin/chromium";
const timeout = Number(process.env.GATEHOUSE_TEST_BROWSER_TIMEOUT_MS || 30000);

// The flags this machine needs (see docs/cdk-and-browser-tests.md): no
// sandbox as root, no GPU, and none of Chromium's own connections to
// Google's hosts, which a closed network refuses.
const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const userDataDir = mkdtempSync(join(tmpdir(), "gatehouse-chromium-"));
let context;
let code = 1;
try {
  // launchPersistentContext is how playwright takes a --user-data-dir.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args,
    timeout,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  page.on("console", (m) => {
    if (m.type() !== "verbose") console.error(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => console.error(`pageerror: ${e}`));
  page.on("requestfailed", (r) =>
    console.error(`requestfailed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`),
  );

  await page.goto(pageURL);
  await page.waitForSelector("body[data-ready]");
  await page.click("button[type=submit]");
  // <code> may stay empty (a 204, a failed fetch): attached, not visible.
  await page.waitForSelector("code[data-status], code[data-error]", { state: "attached" });
  const answer = await page.$eval("code", (el) =>
    el.dataset.error !== undefined
      ? { error: el.dataset.error }
      : { status: Number(el.dataset.status), body: el.textContent },
  );
  process.stdout.write(JSON.stringify(answer) + "\n");
  code = 0;
} catch (err) {
  console.error(`run.mjs: ${err?.stack ?? err}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(code);
