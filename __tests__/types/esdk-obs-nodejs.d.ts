/** Huawei's official OBS SDK (test oracle only; it ships no types). */
declare module 'esdk-obs-nodejs';
