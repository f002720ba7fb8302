// Types of tasks.mjs for the TypeScript benchmark file that imports it.
export declare const CPU_ROUNDS: number;
export declare function tiny(x: number): number;
export declare function cpu(rounds: number): number;
