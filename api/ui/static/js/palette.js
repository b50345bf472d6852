// Colours that colour-blind readers tell apart: Okabe–Ito for series and states, viridis for
// the heatmap (perceptually uniform, and readable in greyscale).

export const OKABE_ITO = {
  black: "#000000", orange: "#E69F00", skyBlue: "#56B4E9", bluishGreen: "#009E73",
  yellow: "#F0E442", blue: "#0072B2", vermillion: "#D55E00", reddishPurple: "#CC79A7",
};

export const SERIES = {
  promoted: OKABE_ITO.blue,
  challenger: OKABE_ITO.reddishPurple,
  coverage: OKABE_ITO.skyBlue,
  events: OKABE_ITO.bluishGreen,
};

export const SEVERITY = { critical: OKABE_ITO.vermillion, warning: OKABE_ITO.orange };

const VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The viridis colour of `t` in [0, 1], as "rgb(r, g, b)". */
export function viridis(t) {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const scaled = clamped * (VIRIDIS.length - 1);
  const low = Math.floor(scaled);
  const high = Math.min(VIRIDIS.length - 1, low + 1);
  const [a, b] = [rgb(VIRIDIS[low]), rgb(VIRIDIS[high])];
  const mix = a.map((channel, i) => Math.round(channel + (b[i] - channel) * (scaled - low)));
  return `rgb(${mix.join(", ")})`;
}

/** Black or white, whichever reads better on the viridis colour of `t`. */
export function textOnViridis(t) {
  return t > 0.55 ? "#111" : "#fff";
}
