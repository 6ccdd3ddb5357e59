// Per query row (b, h, i): stats[2·row] = lse bits, stats[2·row + 1] = delta = Σ_d dy·y over the head's channels
// (FlashAttention-2's D_i). Packing both in one buffer keeps the backward kernels within 8 storage bindings.
struct Params { B: u32, Tq: u32, C: u32, H: u32, D: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<u32>;
@group(0) @binding(4) var<storage, read_write> stats: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = flat_id(wid, nwg, lid, 64u);
  if (row >= params.B * params.H * params.Tq) { return; }
  let i = row % params.Tq;
  let h = (row / params.Tq) % params.H;
  let b = row / (params.Tq * params.H);
  let o = (b * params.Tq + i) * params.C + h * params.D;
  var delta = 0.0;
  for (var d = 0u; d < params.D; d++) { delta += dy[o + d] * y[o + d]; }
  stats[2u * row] = lse[row];
  stats[2u * row + 1u] = bitcast<u32>(delta);
}
