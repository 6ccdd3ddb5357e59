// out[i] (+)= a[i] · b[i] (accumulate = 0 overwrites): dy times dropout's mask or an activation's saved slope.
struct Params { n: u32, accumulate: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.n) { return; }
  var g = a[i] * b[i];
  if (params.accumulate != 0u) { g += out[i]; }
  out[i] = g;
}
