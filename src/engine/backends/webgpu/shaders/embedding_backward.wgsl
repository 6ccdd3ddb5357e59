// dw[v, c] (+)= Σ_{n : idx[n] = v} dy[n, c] (accumulate = 0 overwrites). One invocation per (row v, channel c) scans the ids in order:
// a gather instead of a scatter, so no float atomics and the same sum on every run.
struct Params { N: u32, C: u32, V: u32, accumulate: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.V * params.C) { return; }
  let v = i32(i / params.C);
  let c = i % params.C;
  var sum = 0.0;
  if (params.accumulate != 0u) { sum = dw[i]; }
  for (var n = 0u; n < params.N; n++) {
    if (idx[n] == v) { sum += dy[n * params.C + c]; }
  }
  dw[i] = sum;
}
