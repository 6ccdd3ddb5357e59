// dx[r, start + c] += dy[r, c]
struct Params { N: u32, W: u32, start: u32, width: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.N * params.width) { return; }
  let r = i / params.width;
  let c = i % params.width;
  let o = r * params.W + params.start + c;
  dx[o] = dx[o] + dy[i];
}
