/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argF, argI, argP, claim } from './control';

/** Elements per chunk of the optimizer tasks. */
const CHUNK: i32 = 8192;

/**
 * Task ADAM: torch.optim.Adam/AdamW on p[n] from g[n] with moments m, v. Args: p, g, m, v, n;
 * stepSize = lr/(1−β1^t), β1, β2, 1/√(1−β2^t), eps, decay (1 − lr·wd for AdamW), l2 (wd for Adam).
 */
export function adamTask(_tid: i32): void {
  const p = argP(0), g = argP(1), m = argP(2), v = argP(3), n = argI(4);
  const stepSize = f32x4.splat(<f32>argF(0)), b1 = <f32>argF(1), b2 = <f32>argF(2);
  const invBc2Sqrt = f32x4.splat(<f32>argF(3)), eps = f32x4.splat(<f32>argF(4));
  const decay = f32x4.splat(<f32>argF(5)), l2 = f32x4.splat(<f32>argF(6));
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), c1 = f32x4.splat(1 - b1), c2 = f32x4.splat(1 - b2);
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const start = chunk * CHUNK, end = min(n, start + CHUNK);
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const o = <usize>i << 2;
      const pv = v128.load(p + o);
      const grad = f32x4.add(v128.load(g + o), f32x4.mul(l2, pv));
      const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(c1, grad));
      const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(grad, grad)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vi), invBc2Sqrt), eps);
      v128.store(p + o, f32x4.sub(f32x4.mul(pv, decay), f32x4.div(f32x4.mul(stepSize, mi), denom)));
    }
    for (; i < end; i++) {
      const o = <usize>i << 2;
      const pv = load<f32>(p + o);
      const grad = load<f32>(g + o) + f32x4.extract_lane(l2, 0) * pv;
      const mi = b1 * load<f32>(m + o) + (1 - b1) * grad;
      const vi = b2 * load<f32>(v + o) + (1 - b2) * grad * grad;
      store<f32>(m + o, mi);
      store<f32>(v + o, vi);
      const denom = Mathf.sqrt(vi) * f32x4.extract_lane(invBc2Sqrt, 0) + f32x4.extract_lane(eps, 0);
      store<f32>(p + o, pv * f32x4.extract_lane(decay, 0) - f32x4.extract_lane(stepSize, 0) * mi / denom);
    }
  }
}

/**
 * Task SGD: torch.optim.SGD with weight decay, momentum (buffer = d on the first step) and Nesterov.
 * Args: p, g, buf, n, firstStep, nesterov; lr, momentum, wd.
 */
export function sgdTask(_tid: i32): void {
  const p = argP(0), g = argP(1), buf = argP(2), n = argI(3), first = argI(4) != 0, nesterov = argI(5) != 0;
  const lr = <f32>argF(0), momentum = <f32>argF(1), wd = <f32>argF(2);
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const end = min(n, (chunk + 1) * CHUNK);
    for (let i = chunk * CHUNK; i < end; i++) {
      const o = <usize>i << 2;
      let d = load<f32>(g + o) + wd * load<f32>(p + o);
      if (momentum != 0) {
        const b = first ? d : momentum * load<f32>(buf + o) + d;
        store<f32>(buf + o, b);
        d = nesterov ? d + momentum * b : b;
      }
      store<f32>(p + o, load<f32>(p + o) - lr * d);
    }
  }
}
