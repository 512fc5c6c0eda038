declare module 'simjs' {
  const simjs: unknown;
  export default simjs;
}
