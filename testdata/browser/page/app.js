// Seed 003's React App.tsx without React: the form's submit handler signs
// a POST with aws4fetch and shows the answer in <code>, as the seed does.
//
// What the React app takes from its build (import.meta.env.VITE_API_URL)
// comes from the query string here: ?api=URL. The test also pre-fills the
// form with ?id=...&secret=...[&message=...], then clicks Submit.
//
// For the test driver, <code> gets data-status (the HTTP status) when the
// answer has arrived, or data-error (the exception's text) when fetch
// failed, e.g. on a CORS refusal.
import { AwsClient } from "/aws4fetch.mjs";

const params = new URLSearchParams(location.search);
const API_URL = params.get("api");
const form = document.querySelector("form");
const out = document.querySelector("code");

for (const name of ["id", "secret", "message"]) {
  if (params.has(name)) form.elements[name].value = params.get(name);
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  // extract form data from the form
  const data = new FormData(e.currentTarget);
  const { id, secret, message } = Object.fromEntries(data);

  try {
    // create new AWS client
    const aws = new AwsClient({
      accessKeyId: id,
      secretAccessKey: secret,
      // Good to provide in case it fails to parse service and region from URL
      service: "execute-api",
      region: "us-east-1",
    });

    // use fetch from aws client instead of global fetch
    const res = await aws.fetch(API_URL, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ message }),
    });

    // update the message state
    const text = await res.text();
    out.textContent = text;
    out.dataset.status = String(res.status);
  } catch (err) {
    out.dataset.error = String(err);
  }
});

// The module has loaded (aws4fetch with it): the form may be submitted.
form.querySelector("button").disabled = false;
document.body.dataset.ready = "1";
