// Charts drawn by hand: inline SVG shapes (stretched to the box's width) with their words in
// HTML around them (so text is never stretched), a line (supply over time, as steps) and bars
// (volume per day, transactions per block, block time).
// Values are BigInt-safe: they are scaled to the chart through Number only after dividing.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 160;
const PAD = 8;
const FEW_BARS = 12;

function element(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

function html(tag, className, text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

function scale(values) {
  let max = 0n;
  for (const v of values) if (v > max) max = v;
  return max === 0n ? () => 0 : (v) => Number((v * 1000000n) / max) / 1000000;
}

// A figure: the value in the corner, the SVG, and a caption under it (first label, a note,
// last label).
function figure(title, { corner = "", left = "", note = "", right = "" }) {
  const box = html("figure", "chart");
  box.appendChild(html("div", "chart-corner", corner));
  const svg = element("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": title,
    class: "chart-svg",
    preserveAspectRatio: "none",
  });
  svg.appendChild(element("title", {}, title));
  box.appendChild(svg);
  const caption = html("figcaption", "chart-caption");
  caption.appendChild(html("span", "", left));
  caption.appendChild(html("span", "chart-note", note));
  caption.appendChild(html("span", "", right));
  box.appendChild(caption);
  return { box, svg };
}

// A round dot that stays round however the SVG is stretched (a zero-length line, round caps,
// its stroke not scaled).
function dot(x, y, tip) {
  const node = element("path", { d: `M${x.toFixed(1)} ${y.toFixed(1)} h0`, class: "chart-dot" });
  node.appendChild(element("title", {}, tip));
  return node;
}

function axis(svg) {
  svg.appendChild(element("line", { x1: 0, y1: HEIGHT - PAD, x2: WIDTH, y2: HEIGHT - PAD, class: "chart-axis" }));
}

// points: [{label, value: BigInt}] oldest first. One point is not a line: it is shown as
// one dot with its value and a note that there is nothing to compare it with yet.
export function lineChart(title, points, formatValue) {
  if (!points.length) {
    const { box, svg } = figure(title, { note: "no data yet" });
    box.dataset.points = "0";
    axis(svg);
    return box;
  }
  const last = points[points.length - 1];
  if (points.length === 1) {
    const { box, svg } = figure(title, {
      corner: formatValue(last.value),
      left: last.label,
      note: "one data point: not enough data for a trend yet",
    });
    box.dataset.points = "1";
    axis(svg);
    svg.appendChild(dot(WIDTH / 2, HEIGHT / 2, `${last.label}: ${formatValue(last.value)}`));
    return box;
  }
  const { box, svg } = figure(title, {
    corner: formatValue(last.value),
    left: points[0].label,
    right: `${last.label} → now`,
  });
  box.dataset.points = String(points.length);
  const fraction = scale(points.map((p) => p.value));
  const x = (i) => PAD + (i * (WIDTH - 2 * PAD)) / points.length;
  const y = (v) => HEIGHT - PAD - fraction(v) * (HEIGHT - 3 * PAD);
  let path = "";
  points.forEach((p, i) => {
    if (i) path += ` H${x(i).toFixed(1)} V${y(p.value).toFixed(1)}`; // a step: it holds until it changes
    else path += `M${x(i).toFixed(1)} ${y(p.value).toFixed(1)}`;
  });
  path += ` H${WIDTH - PAD}`; // and it holds still now
  axis(svg);
  svg.appendChild(element("path", { d: path, class: "chart-line" }));
  points.forEach((p, i) => svg.appendChild(dot(x(i), y(p.value), `${p.label}: ${formatValue(p.value)}`)));
  return box;
}

// bars: [{label, value: BigInt, note}] oldest first. Few bars get each its own label under it;
// a single bar says there is nothing to compare it with yet.
export function barChart(title, bars, formatValue, { cornerLabel = "max", formatAverage = null } = {}) {
  let max = 0n;
  let sum = 0n;
  for (const b of bars) {
    if (b.value > max) max = b.value;
    sum += b.value;
  }
  const averageText = !bars.length ? "" : formatAverage ? formatAverage(sum, bars.length) : formatValue(sum / BigInt(bars.length));
  const few = bars.length > 0 && bars.length <= FEW_BARS;
  const { box, svg } = figure(title, {
    corner: bars.length > 1 ? `average ${averageText} · ${cornerLabel} ${formatValue(max)}` : bars.length ? `${cornerLabel} ${formatValue(max)}` : "",
    left: few ? "" : bars.length ? bars[0].label : "",
    note: bars.length === 0 ? "no data yet" : bars.length === 1 ? "one data point: not enough data for a trend yet" : "",
    right: few ? "" : bars.length > 1 ? bars[bars.length - 1].label : "",
  });
  box.dataset.points = String(bars.length);
  const fraction = scale(bars.map((b) => b.value));
  const slot = WIDTH / Math.max(bars.length, 1);
  const barWidth = Math.min(slot * 0.7, WIDTH / 16);
  axis(svg);
  bars.forEach((bar, i) => {
    const h = Math.max(fraction(bar.value) * (HEIGHT - 3 * PAD), bar.value > 0n ? 2 : 0);
    const rect = element("rect", {
      x: (i * slot + (slot - barWidth) / 2).toFixed(1),
      y: (HEIGHT - PAD - h).toFixed(1),
      width: barWidth.toFixed(1),
      height: h.toFixed(1),
      class: "chart-bar",
    });
    rect.appendChild(element("title", {}, `${bar.label}: ${formatValue(bar.value)}${bar.note ? " · " + bar.note : ""}`));
    svg.appendChild(rect);
  });
  if (few) {
    // One label per bar, in a grid of the bars' own slots, with the bar's value.
    const labels = html("div", "chart-ticks");
    labels.style.gridTemplateColumns = `repeat(${bars.length}, minmax(0, 1fr))`;
    for (const bar of bars) {
      const tick = html("span", "", bar.label);
      tick.appendChild(html("b", "", formatValue(bar.value)));
      labels.appendChild(tick);
    }
    box.insertBefore(labels, box.lastChild);
  }
  return box;
}
