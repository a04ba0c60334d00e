/**
 * CI's official presets that jobs may name (`t0` + 32 hex): the 15 Transcode, 3 Snapshot and 18
 * Animation presets of the console guide's template page (模板, "系统预设模板"), and two more Transcode
 * presets Tencent's docs use in job examples (the COS workflow pages and the PHP SDK page).
 */
export const DOCUMENTED_PRESETS: ReadonlyMap<string, { readonly tag: string; readonly name: string | undefined }> = new Map([
  ['t0e2b9f4cd25184c6ab73d0c85a6ee9cb5', { tag: 'Transcode', name: 'H264-MP4-流畅-360P' }],
  ['t0876739cd865042d1957d73c78f0484fb', { tag: 'Transcode', name: 'H264-MP4-标清-480P' }],
  ['t0852e7ff4acd4484e99ba104f3840d3cb', { tag: 'Transcode', name: 'H264-MP4-高清-720P' }],
  ['t04df9eb0c373c4a8780ec894ce05469a7', { tag: 'Transcode', name: 'H264-MP4-全高清-1080P' }],
  ['t09d027135634d47048e5a30dc1e19ee90', { tag: 'Transcode', name: 'H264-MP4-2K' }],
  ['t0e634622e8dfb49339ba478d60ddc7188', { tag: 'Transcode', name: 'H264-HLS-流畅-360P' }],
  ['t0fa5bdbf58bb348e88bf73fae5d674fdf', { tag: 'Transcode', name: 'H264-HLS-标清-480P' }],
  ['t09d0f419921e44ed98190f355ec9fd629', { tag: 'Transcode', name: 'H264-HLS-高清-720P' }],
  ['t080ae8a06f9074f3daa46201078f8d4b1', { tag: 'Transcode', name: 'H264-HLS-全高清-1080P' }],
  ['t0ab68939cef0f40d19c4a135df540239f', { tag: 'Transcode', name: 'H264-HLS-2K' }],
  ['t0e165bef65ed24d568eeecc8661248af6', { tag: 'Transcode', name: 'H264-FLV-流畅-360P' }],
  ['t057d0410c32444e48b9220f9571e6097a', { tag: 'Transcode', name: 'H264-FLV-标清-480P' }],
  ['t00daf332ba39049f8bfb899c1ed0134b0', { tag: 'Transcode', name: 'H264-FLV-高清-720P' }],
  ['t0d41905a814434c8a81897ecb54d53a32', { tag: 'Transcode', name: 'H264-FLV-全高清-1080P' }],
  ['t0e287e59454b94a8983ba78a6a30ee864', { tag: 'Transcode', name: 'H264-FLV-2K' }],
  ['t01d40e440761448fc8c538fb8d5a5b81e', { tag: 'Snapshot', name: 'snapshot_320*180_1' }],
  ['t0a60a2bc71a4b40c7b3d7f7e8a2779a81', { tag: 'Snapshot', name: 'snapshot_640*360_2' }],
  ['t07740e32081b44ad7a0aea03adcffd54a', { tag: 'Snapshot', name: 'snapshot_1280*720_3' }],
  ['t04373959a69c04d47b62fd214dd13d8e9', { tag: 'Animation', name: 'gif_320*180_1' }],
  ['t0341b0ab2b8a340ff826e9cb4f3a7baea', { tag: 'Animation', name: 'gif_320*180_2' }],
  ['t046b1d8e5bdf842c6a58d8028b48eafee', { tag: 'Animation', name: 'gif_320*180_3' }],
  ['t0ef2077f215864c018a2fca73614ceca6', { tag: 'Animation', name: 'gif_640*360_4' }],
  ['t0d21406ca737a40869973a37a5daa349a', { tag: 'Animation', name: 'gif_640*360_5' }],
  ['t0878a9c9c1f054cb5bca68b8b06e556c2', { tag: 'Animation', name: 'gif_640*360_6' }],
  ['t0dae821708cea4ba5b3e271810ac80a21', { tag: 'Animation', name: 'gif_1280*720_7' }],
  ['t03fef67ad94d2466b9c0c89252ed72e87', { tag: 'Animation', name: 'gif_1280*720_8' }],
  ['t030a64e9f9f5a4f53a9ef64bb7ce490b5', { tag: 'Animation', name: 'gif_1280*720_9' }],
  ['t03b0e9eca4fc34e2cba9da89d9c7c13a2', { tag: 'Animation', name: 'webp_320*180_1' }],
  ['t016fcddf6bc3c44b793e9b7b07119b4ee', { tag: 'Animation', name: 'webp_320*180_2' }],
  ['t0bf1f1ce6d2404b258c0f81fbb9aaece1', { tag: 'Animation', name: 'webp_320*180_3' }],
  ['t098d6d3fcfd2c45309a408594a42559f6', { tag: 'Animation', name: 'webp_640*360_4' }],
  ['t0169a6a9c2eec4b51972eb63bafcbf08d', { tag: 'Animation', name: 'webp_640*360_5' }],
  ['t0ef9ba537011e4876b8777aebc19d10a5', { tag: 'Animation', name: 'webp_640*360_6' }],
  ['t02743d344b5e74c579e50e9e135b432b8', { tag: 'Animation', name: 'webp_1280*720_7' }],
  ['t0dd27c136ff2741538bec96981e058868', { tag: 'Animation', name: 'webp_1280*720_8' }],
  ['t00ad05235d67a45a9a697b553052b7346', { tag: 'Animation', name: 'webp_1280*720_9' }],
  ['t01e57db1c2d154d2fb57aa5de9313a897', { tag: 'Transcode', name: undefined }],
  ['t04e1ab86554984f1aa17c062fbf6c007c', { tag: 'Transcode', name: undefined }],
]);

/** `t0` + 32 hex: an official preset's id. */
export const PRESET_ID = /^t0[0-9a-f]{32}$/;
