// dq[b, i, head h] (+)= Σ_j dS_ij · k_j with dS = P ∘ (dP − delta) / √D and P recomputed from lse (no T×T buffer).
// One invocation per (b, h, query i); accumulate = 0 overwrites. Host-defined: const HEAD_DIM, LD, K_OFF, V_OFF: u32
// (q, k, v and dq rows are LD floats apart, as in attention_forward; dy rows C).
struct Params { B: u32, Tq: u32, Tk: u32, C: u32, H: u32, causal: u32, has_pad: u32, scale: f32, accumulate: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> k: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read> key_pad: array<i32>;
@group(0) @binding(6) var<storage, read> stats: array<u32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = flat_id(wid, nwg, lid, 64u);
  if (row >= params.B * params.H * params.Tq) { return; }
  let lse_bits = stats[2u * row];
  let row_lse = bitcast<f32>(lse_bits);
  let delta = bitcast<f32>(stats[2u * row + 1u]);
  let i = row % params.Tq;
  let h = (row / params.Tq) % params.H;
  let b = row / (params.Tq * params.H);
  let qo = (b * params.Tq + i) * LD + h * HEAD_DIM;
  let yo = (b * params.Tq + i) * params.C + h * HEAD_DIM;
  var qv: array<f32, HEAD_DIM>;
  var gv: array<f32, HEAD_DIM>;
  var acc: array<f32, HEAD_DIM>;
  for (var d = 0u; d < HEAD_DIM; d++) { qv[d] = q[qo + d]; gv[d] = dy[yo + d]; }
  // A fully masked row has no gradient (its output is the constant 0).
  var end = 0u;
  if (lse_bits != NEG_INF_BITS) { end = params.Tk; }
  if (params.causal != 0u) { end = min(end, i + 1u); }
  for (var j = 0u; j < end; j++) {
    if (params.has_pad != 0u && key_pad[b * params.Tk + j] != 0) { continue; }
    let ko = (b * params.Tk + j) * LD + h * HEAD_DIM;
    var dot = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < HEAD_DIM; d++) {
      dot += qv[d] * k[ko + K_OFF + d];
      dp += gv[d] * v[ko + V_OFF + d];
    }
    let p = exp(dot * params.scale - row_lse);
    let ds = p * (dp - delta) * params.scale;
    for (var d = 0u; d < HEAD_DIM; d++) { acc[d] += ds * k[ko + K_OFF + d]; }
  }
  if (params.accumulate != 0u) {
    for (var d = 0u; d < HEAD_DIM; d++) { acc[d] += dq[qo + d]; }
  }
  for (var d = 0u; d < HEAD_DIM; d++) { dq[qo + d] = acc[d]; }
}
