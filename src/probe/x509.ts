// @peculiar/x509 v2 resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata polyfill loaded first. Import the library only through this module.
import 'reflect-metadata';

export * from '@peculiar/x509';
