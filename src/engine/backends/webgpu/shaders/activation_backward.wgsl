// dx[i] (+)= dy[i] · act'(x[i]) (accumulate = 0 overwrites). Host-defined: const KIND: u32 (0 GELU exact erf, 1 GELU tanh, 2 ReLU).
struct Params { n: u32, accumulate: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

const SQRT_HALF: f32 = 0.70710678118654752;
const INV_SQRT_2PI: f32 = 0.39894228040143268;
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

fn safe_tanh(x: f32) -> f32 {
  return tanh(clamp(x, -15.0, 15.0));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.n) { return; }
  let v = x[i];
  var d = 0.0;
  if (KIND == 0u) {
    let cdf = 0.5 * (1.0 + erf_approx(v * SQRT_HALF));
    d = cdf + v * INV_SQRT_2PI * exp(-0.5 * v * v);
  } else if (KIND == 1u) {
    let th = safe_tanh(TANH_K * (v + TANH_C * v * v * v));
    let d_inner = TANH_K * (1.0 + 3.0 * TANH_C * v * v);
    d = 0.5 * (1.0 + th) + 0.5 * v * (1.0 - th * th) * d_inner;
  } else {
    // ReLU passes the gradient through unchanged (no multiply by 1) where x > 0, like the CPU kernel.
    var g = select(0.0, dy[i], v > 0.0);
    if (params.accumulate != 0u) { g = select(dx[i], dx[i] + dy[i], v > 0.0); }
    dx[i] = g;
    return;
  }
  var g = dy[i] * d;
  if (params.accumulate != 0u) { g += dx[i]; }
  dx[i] = g;
}
