// y[i] = act(x[i]) and slope[i] = act'(x[i]), which the backward multiplies by. Host-defined: const KIND: u32
// (0 GELU with exact erf, 1 GELU tanh approximation, 2 ReLU).
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> slope: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.n) { return; }
  let v = x[i];
  if (KIND == 0u) {
    let cdf = 0.5 * erfc_approx(-v * SQRT_HALF);
    y[i] = v * cdf;
    slope[i] = cdf + v * INV_SQRT_2PI * exp(-0.5 * v * v);
  } else if (KIND == 1u) {
    let th = safe_tanh(TANH_K * (v + TANH_C * v * v * v));
    let d_inner = TANH_K * (1.0 + 3.0 * TANH_C * v * v);
    y[i] = 0.5 * v * (1.0 + th);
    slope[i] = 0.5 * (1.0 + th) + 0.5 * v * (1.0 - th * th) * d_inner;
  } else {
    y[i] = max(v, 0.0);
    slope[i] = select(0.0, 1.0, v > 0.0);
  }
}
