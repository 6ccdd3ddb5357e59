// Prepended to every Loss Lab compute program (after the host's `const` defines).

// Bits of −Infinity: WGSL cannot spell an infinite f32 constant, so row statistics store it as raw bits.
const NEG_INF_BITS: u32 = 0xff800000u;

// Index of this invocation in a 1-D launch that the host split over (x, y) workgroups of `size` invocations.
fn flat_id(wid: vec3u, nwg: vec3u, lid: vec3u, size: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * size + lid.x;
}

// Index of this workgroup in a launch the host split over (x, y) workgroups.
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.y * nwg.x + wid.x;
}

// The activations' shared math (forward and backward shaders).
const SQRT_HALF: f32 = 0.70710678118654752;
const INV_SQRT_2PI: f32 = 0.39894228040143268;
const TANH_K: f32 = 0.79788456080286536;
const TANH_C: f32 = 0.044715;

// erfc from its Chebyshev fit (Numerical Recipes), fractional error below 1.2e-7 everywhere: the CPU backend's
// formula. GELU takes Φ(x) = erfc(−x/√2)/2 from it, so Φ keeps its relative accuracy where it is tiny.
fn erfc_approx(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let tail = t * exp(poly);
  return select(2.0 - tail, tail, x >= 0.0);
}

// tanh with its argument clamped: some drivers compute tanh through exp and return NaN for large |x|.
fn safe_tanh(x: f32) -> f32 {
  return tanh(clamp(x, -15.0, 15.0));
}
