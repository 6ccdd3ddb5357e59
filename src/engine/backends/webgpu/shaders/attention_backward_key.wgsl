// dk[b, j, head h] (+)= Σ_i dS_ij · q_i and dv[b, j, head h] (+)= Σ_i P_ij · dy_i, one invocation per (b, h, key j),
// P recomputed from the saved lse, so keys gather their gradient without atomics. add_dk / add_dv = 0 overwrite.
// Host-defined: const HEAD_DIM, LD, K_OFF, V_OFF: u32 (as in attention_forward; dy rows are C floats apart) and
// const PACKED: bool: dk and dv are one packed gradient (binding 7, at K_OFF and V_OFF; binding 8 unused).
struct Params { B: u32, Tq: u32, Tk: u32, C: u32, H: u32, causal: u32, has_pad: u32, scale: f32, add_dk: u32, add_dv: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> k: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read> key_pad: array<i32>;
@group(0) @binding(6) var<storage, read> stats: array<u32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = flat_id(wid, nwg, lid, 64u);
  if (t >= params.B * params.H * params.Tk) { return; }
  let j = t % params.Tk;
  let h = (t / params.Tk) % params.H;
  let b = t / (params.Tk * params.H);
  let ko = (b * params.Tk + j) * LD + h * HEAD_DIM;
  var kv: array<f32, HEAD_DIM>;
  var vv: array<f32, HEAD_DIM>;
  var dk_acc: array<f32, HEAD_DIM>;
  var dv_acc: array<f32, HEAD_DIM>;
  for (var d = 0u; d < HEAD_DIM; d++) { kv[d] = k[ko + K_OFF + d]; vv[d] = v[ko + V_OFF + d]; }
  var start = 0u;
  if (params.causal != 0u) { start = j; }
  // A padded key is never attended to: it gets no gradient.
  var end = params.Tq;
  if (params.has_pad != 0u && key_pad[b * params.Tk + j] != 0) { end = 0u; }
  for (var i = start; i < end; i++) {
    let row = (b * params.H + h) * params.Tq + i;
    let lse_bits = stats[2u * row];
    if (lse_bits == NEG_INF_BITS) { continue; }
    let qo = (b * params.Tq + i) * LD + h * HEAD_DIM;
    let yo = (b * params.Tq + i) * params.C + h * HEAD_DIM;
    var dot = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < HEAD_DIM; d++) {
      dot += q[qo + d] * kv[d];
      dp += dy[yo + d] * vv[d];
    }
    let p = exp(dot * params.scale - bitcast<f32>(lse_bits));
    let ds = p * (dp - bitcast<f32>(stats[2u * row + 1u])) * params.scale;
    for (var d = 0u; d < HEAD_DIM; d++) {
      dk_acc[d] += ds * q[qo + d];
      dv_acc[d] += p * dy[yo + d];
    }
  }
  if (params.add_dk != 0u) {
    for (var d = 0u; d < HEAD_DIM; d++) { dk_acc[d] += dk[ko + K_OFF + d]; }
  }
  if (PACKED) {
    if (params.add_dv != 0u) {
      for (var d = 0u; d < HEAD_DIM; d++) { dv_acc[d] += dk[ko + V_OFF + d]; }
    }
    for (var d = 0u; d < HEAD_DIM; d++) {
      dk[ko + K_OFF + d] = dk_acc[d];
      dk[ko + V_OFF + d] = dv_acc[d];
    }
    return;
  }
  if (params.add_dv != 0u) {
    for (var d = 0u; d < HEAD_DIM; d++) { dv_acc[d] += dv[ko + d]; }
  }
  for (var d = 0u; d < HEAD_DIM; d++) {
    dk[ko + d] = dk_acc[d];
    dv[ko + d] = dv_acc[d];
  }
}
