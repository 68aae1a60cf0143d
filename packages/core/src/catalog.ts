/**
 * The 15 Vitibrasil datasets. Ids are part of the public contract (API paths, lake partitions).
 * Everything about a dataset that is not read from its file lives here.
 */

export type DatasetFamily = 'producao' | 'processamento' | 'comercializacao' | 'importacao' | 'exportacao';
export type Unit = 'L' | 'kg';

/** How the original Flask service exposed a dataset: a fixed path, or a path with a `tipo` segment. */
export interface LegacyRoute {
  readonly path: string;
  readonly tipo: string | null;
}

export interface DatasetDefinition {
  readonly id: DatasetId;
  readonly title: string;
  readonly family: DatasetFamily;
  /** File name in Embrapa's download folder. */
  readonly file: string;
  readonly unit: Unit;
  /** Import/export files publish two measures per year: quantity (kg) and value (US$). */
  readonly hasValue: boolean;
  readonly legacy: LegacyRoute;
}

export const DATASET_IDS = [
  'producao',
  'processamento_viniferas',
  'processamento_americanas',
  'processamento_mesa',
  'processamento_semclass',
  'comercializacao',
  'importacao_vinhos',
  'importacao_espumantes',
  'importacao_frescas',
  'importacao_passas',
  'importacao_suco',
  'exportacao_vinho',
  'exportacao_espumantes',
  'exportacao_uva',
  'exportacao_suco',
] as const;

export type DatasetId = (typeof DATASET_IDS)[number];

type Spec = Omit<DatasetDefinition, 'id' | 'legacy' | 'hasValue'> & { tipo: string | null };

const FAMILY_PATH: Record<DatasetFamily, string> = {
  producao: '/producaoCSV',
  comercializacao: '/comercializacaoCSV',
  processamento: '/processamentoCSV',
  importacao: '/importacaoCSV',
  exportacao: '/exportacaoCSV',
};

const SPECS: Record<DatasetId, Spec> = {
  producao: {
    title: 'Produção de vinhos, sucos e derivados',
    family: 'producao',
    file: 'Producao.csv',
    unit: 'L',
    tipo: null,
  },
  processamento_viniferas: {
    title: 'Processamento de uvas viníferas',
    family: 'processamento',
    file: 'ProcessaViniferas.csv',
    unit: 'kg',
    tipo: 'Viniferas',
  },
  processamento_americanas: {
    title: 'Processamento de uvas americanas e híbridas',
    family: 'processamento',
    file: 'ProcessaAmericanas.csv',
    unit: 'kg',
    tipo: 'Americanas',
  },
  processamento_mesa: {
    title: 'Processamento de uvas de mesa',
    family: 'processamento',
    file: 'ProcessaMesa.csv',
    unit: 'kg',
    tipo: 'Mesa',
  },
  processamento_semclass: {
    title: 'Processamento de uvas sem classificação',
    family: 'processamento',
    file: 'ProcessaSemclass.csv',
    unit: 'kg',
    tipo: 'Semclass',
  },
  comercializacao: {
    title: 'Comercialização de vinhos e derivados',
    family: 'comercializacao',
    file: 'Comercio.csv',
    unit: 'L',
    tipo: null,
  },
  importacao_vinhos: {
    title: 'Importação de vinhos de mesa',
    family: 'importacao',
    file: 'ImpVinhos.csv',
    unit: 'kg',
    tipo: 'Vinhos',
  },
  importacao_espumantes: {
    title: 'Importação de espumantes',
    family: 'importacao',
    file: 'ImpEspumantes.csv',
    unit: 'kg',
    tipo: 'Espumantes',
  },
  importacao_frescas: {
    title: 'Importação de uvas frescas',
    family: 'importacao',
    file: 'ImpFrescas.csv',
    unit: 'kg',
    tipo: 'Frescas',
  },
  importacao_passas: {
    title: 'Importação de uvas passas',
    family: 'importacao',
    file: 'ImpPassas.csv',
    unit: 'kg',
    tipo: 'Passas',
  },
  importacao_suco: {
    title: 'Importação de suco de uva',
    family: 'importacao',
    file: 'ImpSuco.csv',
    unit: 'kg',
    tipo: 'Suco',
  },
  exportacao_vinho: {
    title: 'Exportação de vinhos de mesa',
    family: 'exportacao',
    file: 'ExpVinho.csv',
    unit: 'kg',
    tipo: 'Vinho',
  },
  exportacao_espumantes: {
    title: 'Exportação de espumantes',
    family: 'exportacao',
    file: 'ExpEspumantes.csv',
    unit: 'kg',
    tipo: 'Espumantes',
  },
  exportacao_uva: {
    title: 'Exportação de uvas frescas',
    family: 'exportacao',
    file: 'ExpUva.csv',
    unit: 'kg',
    tipo: 'Uva',
  },
  exportacao_suco: {
    title: 'Exportação de suco de uva',
    family: 'exportacao',
    file: 'ExpSuco.csv',
    unit: 'kg',
    tipo: 'Suco',
  },
};

export const DATASETS: readonly DatasetDefinition[] = DATASET_IDS.map((id) => {
  const { tipo, ...spec } = SPECS[id];
  return {
    id,
    ...spec,
    hasValue: spec.family === 'importacao' || spec.family === 'exportacao',
    legacy: { path: FAMILY_PATH[spec.family], tipo },
  };
});

const BY_ID = new Map<string, DatasetDefinition>(DATASETS.map((d) => [d.id, d]));

export function isDatasetId(value: string): value is DatasetId {
  return BY_ID.has(value);
}

export function getDataset(id: DatasetId): DatasetDefinition {
  const dataset = BY_ID.get(id);
  if (!dataset) throw new Error(`unknown dataset id ${id}`);
  return dataset;
}

/** The legacy `tipo` values accepted under a family path, in catalog order. */
export function legacyTipos(family: DatasetFamily): string[] {
  return DATASETS.filter((d) => d.family === family && d.legacy.tipo !== null).map(
    (d) => d.legacy.tipo as string,
  );
}
