/**
 * A visible cue on every region that scrolls sideways (`.table-wrap`): while it has more to show on a side, it
 * carries `data-scroll="left right"` (the sides with more), and the stylesheet shades those edges and pins a
 * one-line hint ("scroll sideways for more") above the table. A table clipped by its panel is then never silent,
 * at 1280 px or on a phone. One watcher for the whole app, so every page gets it without wiring.
 */
const REGION = '.table-wrap';

function mark(el: HTMLElement, hint: string): void {
  const more = el.scrollWidth - el.clientWidth > 1;
  const left = more && el.scrollLeft > 1;
  const right = more && el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
  const sides = [left ? 'left' : '', right ? 'right' : ''].filter(Boolean).join(' ');
  if ((el.dataset.scroll ?? '') !== sides) {
    if (sides) el.dataset.scroll = sides;
    else delete el.dataset.scroll;
  }
  if (more && el.dataset.scrollHint !== hint) el.dataset.scrollHint = hint;
  else if (!more && el.dataset.scrollHint !== undefined) delete el.dataset.scrollHint;
}

/** Watches `root` until the returned function is called. */
export function watchScrollCues(root: HTMLElement, hint: string): () => void {
  let frame = 0;
  const all = () => {
    frame = 0;
    for (const el of root.querySelectorAll<HTMLElement>(REGION)) mark(el, hint);
  };
  const soon = () => {
    if (frame === 0) frame = requestAnimationFrame(all);
  };
  // Content that appears, changes, or opens (a <details> in a table) can widen a table without resizing its region.
  const mutations = new MutationObserver(soon);
  mutations.observe(root, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['open'] });
  const onScroll = (e: Event) => {
    if (e.target instanceof HTMLElement && e.target.matches(REGION)) mark(e.target, hint);
  };
  root.addEventListener('scroll', onScroll, true);
  root.addEventListener('toggle', soon, true);
  window.addEventListener('resize', soon);
  all();
  return () => {
    mutations.disconnect();
    root.removeEventListener('scroll', onScroll, true);
    root.removeEventListener('toggle', soon, true);
    window.removeEventListener('resize', soon);
    if (frame) cancelAnimationFrame(frame);
  };
}
