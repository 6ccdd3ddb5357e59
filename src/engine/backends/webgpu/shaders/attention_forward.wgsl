// y[b, i, head h] = softmax(q·kᵀ/√D + mask) · v, one invocation per (b, h, query i), keys visited once with an
// online softmax (running max and sum): no Tq×Tk matrix exists anywhere. Host-defined: const HEAD_DIM, LD, K_OFF,
// V_OFF: u32 (q, k, v rows are LD floats apart, k and v K_OFF and V_OFF channels in: one packed projection or three).
// lse[b, h, i] (stored as raw f32 bits) is the row's log-sum-exp, or −Infinity when every key is masked (y = 0).
struct Params { B: u32, Tq: u32, Tk: u32, C: u32, H: u32, causal: u32, has_pad: u32, scale: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> key_pad: array<i32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = flat_id(wid, nwg, lid, 64u);
  if (t >= params.B * params.H * params.Tq) { return; }
  let i = t % params.Tq;
  let h = (t / params.Tq) % params.H;
  let b = t / (params.Tq * params.H);
  let qo = (b * params.Tq + i) * LD + h * HEAD_DIM;
  let yo = (b * params.Tq + i) * params.C + h * HEAD_DIM;
  var qv: array<f32, HEAD_DIM>;
  var acc: array<f32, HEAD_DIM>;
  for (var d = 0u; d < HEAD_DIM; d++) { qv[d] = q[qo + d]; }
  var row_max = 0.0;
  var row_sum = 0.0;
  var seen = false;
  var end = params.Tk;
  if (params.causal != 0u) { end = min(i + 1u, params.Tk); }
  for (var j = 0u; j < end; j++) {
    if (params.has_pad != 0u && key_pad[b * params.Tk + j] != 0) { continue; }
    let ko = (b * params.Tk + j) * LD + h * HEAD_DIM;
    var dot = 0.0;
    for (var d = 0u; d < HEAD_DIM; d++) { dot += qv[d] * k[ko + K_OFF + d]; }
    let s = dot * params.scale;
    if (!seen) {
      seen = true;
      row_max = s;
      row_sum = 1.0;
      for (var d = 0u; d < HEAD_DIM; d++) { acc[d] = v[ko + V_OFF + d]; }
    } else if (s > row_max) {
      // A new maximum rescales what was accumulated so far.
      let correction = exp(row_max - s);
      row_max = s;
      row_sum = row_sum * correction + 1.0;
      for (var d = 0u; d < HEAD_DIM; d++) { acc[d] = acc[d] * correction + v[ko + V_OFF + d]; }
    } else {
      let p = exp(s - row_max);
      row_sum += p;
      for (var d = 0u; d < HEAD_DIM; d++) { acc[d] += p * v[ko + V_OFF + d]; }
    }
  }
  let row = (b * params.H + h) * params.Tq + i;
  if (!seen) {
    for (var d = 0u; d < HEAD_DIM; d++) { y[yo + d] = 0.0; }
    lse[row] = NEG_INF_BITS;
    return;
  }
  let inv = 1.0 / row_sum;
  for (var d = 0u; d < HEAD_DIM; d++) { y[yo + d] = acc[d] * inv; }
  lse[row] = bitcast<u32>(row_max + log(row_sum));
}
