// Inverted dropout: mask[i] = 0 when hash(seed, i) / 2³² < p, else 1 / (1 − p); y[i] = x[i] · mask[i].
// The hash is the CPU backend's (cpu/elementwise.ts hashUniform) bit for bit; the comparison is done on integers
// (hash < ceil(p · 2³²), computed by the host) so no float rounding can flip a decision.
struct Params { n: u32, seed: u32, threshold: u32, drop_all: u32, keep: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

fn hash_bits(seed: u32, index: u32) -> u32 {
  var h = (index * 0x9e3779b9u) ^ seed;
  h = (h ^ (h >> 16u)) * 0x7feb352du;
  h = (h ^ (h >> 15u)) * 0x846ca68bu;
  return h ^ (h >> 16u);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.n) { return; }
  var m = params.keep;
  if (params.drop_all != 0u || hash_bits(params.seed, i) < params.threshold) { m = 0.0; }
  mask[i] = m;
  y[i] = x[i] * m;
}
