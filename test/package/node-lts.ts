/**
 * The Node.js major in Active LTS: 26, from 2026-10-28 until its maintenance phase starts on
 * 2027-10-20. The Docker image is built on it, and the package test boots the consumer app on
 * it beside the Node that runs the tests. Bump it with the Dockerfile's NODE_IMAGE when the next
 * line is promoted to LTS.
 */
export const NODE_LTS_MAJOR = 26;
