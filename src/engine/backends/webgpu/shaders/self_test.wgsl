// The adapter self-test: y[i] = 2 · x[i] + 1, checked on the host after a read-back.
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= params.n) { return; }
  y[gid.x] = 2.0 * x[gid.x] + 1.0;
}
