// dx[i] (+)= dy[i] · act'(x[i]) (accumulate = 0 overwrites). Host-defined: const KIND: u32 (0 GELU exact erf, 1 GELU tanh, 2 ReLU).
struct Params { n: u32, accumulate: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

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
