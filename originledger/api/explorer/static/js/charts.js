// Charts as inline SVG, drawn by hand: a line (supply over time) and bars (volume per day).
// Values are BigInt-safe: they are scaled to the chart through Number only after dividing.

const SVG = "http://www.w3.org/2000/svg";

function element(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

function scale(values) {
  let max = 0n;
  for (const v of values) if (v > max) max = v;
  return max === 0n ? () => 0 : (v) => Number((v * 1000000n) / max) / 1000000;
}

function frame(title, width, height) {
  const svg = element("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": title,
    class: "chart",
    preserveAspectRatio: "none",
  });
  svg.appendChild(element("title", {}, title));
  return svg;
}

// points: [{label, value: BigInt}] oldest first.
export function lineChart(title, points, formatValue) {
  const width = 600, height = 180, pad = 28;
  const svg = frame(title, width, height);
  if (!points.length) {
    svg.appendChild(element("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-empty" }, "no data yet"));
    return svg;
  }
  const fraction = scale(points.map((p) => p.value));
  const x = (i) => pad + (points.length === 1 ? 0 : (i * (width - 2 * pad)) / (points.length - 1));
  const y = (v) => height - pad - fraction(v) * (height - 2 * pad);
  let path = "";
  points.forEach((p, i) => {
    const previous = i > 0 ? points[i - 1] : null;
    if (previous) path += ` H${x(i).toFixed(1)}`; // a step: supply holds until it changes
    path += `${i ? " V" : "M" + x(i).toFixed(1) + " "}${y(p.value).toFixed(1)}`;
  });
  path += ` H${width - pad}`; // and it holds still now
  svg.appendChild(element("line", { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: "chart-axis" }));
  svg.appendChild(element("path", { d: path, class: "chart-line" }));
  points.forEach((p, i) => {
    const dot = element("circle", { cx: x(i), cy: y(p.value), r: 3, class: "chart-dot" });
    dot.appendChild(element("title", {}, `${p.label}: ${formatValue(p.value)}`));
    svg.appendChild(dot);
  });
  const last = points[points.length - 1];
  svg.appendChild(element("text", { x: width - pad, y: 14, "text-anchor": "end", class: "chart-label" }, formatValue(last.value)));
  svg.appendChild(element("text", { x: pad, y: height - 8, class: "chart-label" }, points[0].label));
  return svg;
}

// bars: [{label, value: BigInt, note}] oldest first.
export function barChart(title, bars, formatValue) {
  const width = 600, height = 180, pad = 28;
  const svg = frame(title, width, height);
  const fraction = scale(bars.map((b) => b.value));
  const slot = (width - 2 * pad) / Math.max(bars.length, 1);
  svg.appendChild(element("line", { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: "chart-axis" }));
  bars.forEach((bar, i) => {
    const h = Math.max(fraction(bar.value) * (height - 2 * pad), bar.value > 0n ? 1 : 0);
    const rect = element("rect", {
      x: (pad + i * slot + slot * 0.15).toFixed(1),
      y: (height - pad - h).toFixed(1),
      width: (slot * 0.7).toFixed(1),
      height: h.toFixed(1),
      class: "chart-bar",
    });
    rect.appendChild(element("title", {}, `${bar.label}: ${formatValue(bar.value)}${bar.note ? " · " + bar.note : ""}`));
    svg.appendChild(rect);
  });
  if (bars.length) {
    svg.appendChild(element("text", { x: pad, y: height - 8, class: "chart-label" }, bars[0].label));
    svg.appendChild(element("text", { x: width - pad, y: height - 8, "text-anchor": "end", class: "chart-label" }, bars[bars.length - 1].label));
  }
  let max = 0n;
  for (const b of bars) if (b.value > max) max = b.value;
  svg.appendChild(element("text", { x: width - pad, y: 14, "text-anchor": "end", class: "chart-label" }, `max ${formatValue(max)}`));
  return svg;
}
