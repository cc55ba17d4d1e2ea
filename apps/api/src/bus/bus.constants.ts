export const BUS_CLIENT = Symbol('PARLEY_BUS_CLIENT');
