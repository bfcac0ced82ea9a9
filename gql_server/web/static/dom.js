// Small DOM helpers: elements are built with textContent only, never from HTML strings.

/** An element with attributes (class, href, aria-*, data-*, on* listeners) and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** An enum value as words: RUNNING -> "Running", SUBMIT_TIME -> "Submit time". */
export function label(value) {
  if (!value) return "—";
  const words = String(value).toLowerCase().replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A state or health shown as text, with a class for its (optional) colour. */
export function badge(kind, value) {
  return h("span", { class: `badge ${kind}-${String(value || "none").toLowerCase()}` }, label(value));
}

/** A time as the viewer's local date and time, in a <time> element. */
export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return h("time", { datetime: iso }, date.toLocaleString());
}

/** A link to a job's details on this page. */
export function jobLink(id) {
  return h("a", { href: `#job/${id}`, class: "job-link" }, `#${id}`);
}

/** A link to a device's details on this page. */
export function deviceLink(hostname) {
  if (!hostname) return "—";
  return h("a", { href: `#device/${encodeURIComponent(hostname)}` }, hostname);
}
