// The source of a CommonJS module that stands in for another until something of it is used: reading, writing or
// listing its properties, or calling it, loads the real module (`require(request)`) and does it there. Used for modules
// required when the bundle loads but needed later, if at all (build/builtins-as-require.mjs for built-ins,
// build/dependency-patches.mjs for packages).
//
// `target` is what the stand-in is before that (an object, or a function for a module that is called); `shortcut`
// may answer a property without loading anything (null to load); `call` answers a call (by default, the real module's).
export function standInSource(request, { target = '{}', shortcut = '() => null', call = '(self, args) => Reflect.apply(load(), self, args)' } = {}) {
  return [
    'let real;',
    `const load = () => (real ??= require(${JSON.stringify(request)}));`,
    `const shortcut = ${shortcut};`,
    `const call = ${call};`,
    `module.exports = new Proxy(${target}, {`,
    '  get: (_, key) => shortcut(key) ?? load()[key],',
    '  has: (_, key) => key in load(),',
    '  ownKeys: () => Reflect.ownKeys(load()),',
    '  getOwnPropertyDescriptor: (_, key) => {',
    '    const found = Object.getOwnPropertyDescriptor(load(), key);',
    '    return found && { ...found, configurable: true };',
    '  },',
    '  set: (_, key, value) => Reflect.set(load(), key, value),',
    '  defineProperty: (_, key, descriptor) => Reflect.defineProperty(load(), key, descriptor),',
    '  deleteProperty: (_, key) => Reflect.deleteProperty(load(), key),',
    '  apply: (_, self, args) => call(self, args),',
    '});',
  ].join('\n');
}
