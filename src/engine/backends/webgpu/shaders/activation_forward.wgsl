// y[i] = act(x[i]). Host-defined: const KIND: u32 (0 GELU with exact erf, 1 GELU tanh approximation, 2 ReLU).
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const SQRT_HALF: f32 = 0.70710678118654752;
const TANH_K: f32 = 0.79788456080286536;
const TANH_C: f32 = 0.044715;

// erf from erfc's Chebyshev fit (Numerical Recipes), fractional error below 1.2e-7: the CPU backend's formula.
fn erf_approx(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let erfc = t * exp(poly);
  return select(erfc - 1.0, 1.0 - erfc, x >= 0.0);
}

// tanh with its argument clamped: some drivers compute tanh through exp and return NaN for large |x|.
fn safe_tanh(x: f32) -> f32 {
  return tanh(clamp(x, -15.0, 15.0));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.n) { return; }
  let v = x[i];
  if (KIND == 0u) {
    y[i] = 0.5 * v * (1.0 + erf_approx(v * SQRT_HALF));
  } else if (KIND == 1u) {
    y[i] = 0.5 * v * (1.0 + safe_tanh(TANH_K * (v + TANH_C * v * v * v)));
  } else {
    y[i] = max(v, 0.0);
  }
}
