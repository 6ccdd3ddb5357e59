// C[M,N] (= or +=) op(A)[M,K] · op(B)[K,N] (+ bias[N]), op = transpose when TRANS_A / TRANS_B.
// Host-defined: const TRANS_A: bool, const TRANS_B: bool.
// A 64×64 tile per workgroup of 16×16 invocations, 4×4 outputs each; K advances in slabs of 16 through
// workgroup memory. Each output sums over k in order, so results do not depend on the launch shape.
struct Params { M: u32, N: u32, K: u32, accumulate: u32, has_bias: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;

const TILE: u32 = 64u;
const SLAB: u32 = 16u;
// a_tile[k * TILE + m] and b_tile[k * TILE + n] for k < SLAB.
var<workgroup> a_tile: array<f32, 1024>;
var<workgroup> b_tile: array<f32, 1024>;

fn a_at(m: u32, k: u32) -> f32 {
  if (m >= params.M || k >= params.K) { return 0.0; }
  if (TRANS_A) { return A[k * params.M + m]; }
  return A[m * params.K + k];
}

fn b_at(k: u32, n: u32) -> f32 {
  if (k >= params.K || n >= params.N) { return 0.0; }
  if (TRANS_B) { return B[n * params.K + k]; }
  return B[k * params.N + n];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  var acc: array<vec4f, 4>;
  for (var k0 = 0u; k0 < params.K; k0 += SLAB) {
    for (var r = 0u; r < 4u; r++) {
      let e = li + r * 256u;
      // Consecutive invocations read consecutive addresses of whichever layout the operand has.
      if (TRANS_A) {
        a_tile[(e / TILE) * TILE + e % TILE] = a_at(row0 + e % TILE, k0 + e / TILE);
      } else {
        a_tile[(e % SLAB) * TILE + e / SLAB] = a_at(row0 + e / SLAB, k0 + e % SLAB);
      }
      if (TRANS_B) {
        b_tile[(e % SLAB) * TILE + e / SLAB] = b_at(k0 + e % SLAB, col0 + e / SLAB);
      } else {
        b_tile[(e / TILE) * TILE + e % TILE] = b_at(k0 + e / TILE, col0 + e % TILE);
      }
    }
    workgroupBarrier();
    for (var k = 0u; k < SLAB; k++) {
      let a = vec4f(a_tile[k * TILE + lid.y * 4u], a_tile[k * TILE + lid.y * 4u + 1u],
                    a_tile[k * TILE + lid.y * 4u + 2u], a_tile[k * TILE + lid.y * 4u + 3u]);
      let b = vec4f(b_tile[k * TILE + lid.x * 4u], b_tile[k * TILE + lid.x * 4u + 1u],
                    b_tile[k * TILE + lid.x * 4u + 2u], b_tile[k * TILE + lid.x * 4u + 3u]);
      acc[0] = fma(vec4f(a.x), b, acc[0]);
      acc[1] = fma(vec4f(a.y), b, acc[1]);
      acc[2] = fma(vec4f(a.z), b, acc[2]);
      acc[3] = fma(vec4f(a.w), b, acc[3]);
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y * 4u + i;
    if (m >= params.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + lid.x * 4u + j;
      if (n >= params.N) { break; }
      var v = acc[i][j];
      if (params.has_bias != 0u) { v = v + bias[n]; }
      if (params.accumulate != 0u) { v = C[m * params.N + n] + v; }
      C[m * params.N + n] = v;
    }
  }
}
