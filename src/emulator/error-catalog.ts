/** HTTP status and message the emulator answers for each Toss error code it can produce. */
const CATALOG: Record<string, [status: number, message: string]> = {
  UNAUTHORIZED_KEY: [401, '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.'],
  INCORRECT_BASIC_AUTH_FORMAT: [401, '잘못된 요청입니다. \':\' 를 포함해 인코딩해주세요.'],
  INVALID_API_KEY: [400, '잘못된 시크릿키 연동 정보 입니다.'],
  INVALID_REQUEST: [400, '잘못된 요청입니다.'],
  INVALID_ORDER_ID: [400, 'orderId는 6자 이상 64자 이하의 영문 대소문자, 숫자, -, _ 만 사용할 수 있습니다.'],
  INVALID_IDEMPOTENCY_KEY: [400, '멱등키는 300자 이하로 입력해주세요.'],
  IDEMPOTENT_REQUEST_PROCESSING: [409, '이전 멱등 요청이 처리 중입니다.'],
  BELOW_MINIMUM_AMOUNT: [400, '카드 결제는 최소 100원 이상부터 가능합니다.'],
  DUPLICATED_ORDER_ID: [400, '이미 승인 및 취소가 진행된 중복된 주문번호 입니다.'],
  ALREADY_PROCESSED_PAYMENT: [400, '이미 처리된 결제 입니다.'],
  NOT_MATCHES_CUSTOMER_KEY: [403, '빌링키 인증 시 사용한 customerKey와 일치하지 않습니다.'],
  NOT_FOUND_BILLING: [404, '존재하지 않는 빌링키 입니다.'],
  ALREADY_REMOVED_BILLING_KEY: [403, '이미 삭제된 빌링키입니다.'],
  NOT_FOUND_PAYMENT: [404, '존재하지 않는 결제 정보 입니다.'],
  ALREADY_CANCELED_PAYMENT: [400, '이미 취소된 결제 입니다.'],
  NOT_CANCELABLE_AMOUNT: [403, '취소 할 수 없는 금액 입니다.'],
  REJECT_CARD_PAYMENT: [403, '한도초과 혹은 잔액부족으로 결제에 실패했습니다.'],
  REJECT_CARD_COMPANY: [403, '결제 승인이 거절되었습니다.'],
  EXCEED_MAX_DAILY_PAYMENT_COUNT: [403, '하루 결제 가능 횟수를 초과했습니다.'],
  EXCEED_MAX_PAYMENT_AMOUNT: [403, '하루 결제 가능 금액을 초과했습니다.'],
  EXCEED_MAX_AMOUNT: [403, '거래금액 한도를 초과했습니다.'],
  FDS_ERROR: [403, '위험거래가 감지되어 결제가 제한됩니다.'],
  INVALID_CARD_EXPIRATION: [400, '카드 정보를 다시 확인해주세요. (유효기간)'],
  INVALID_STOPPED_CARD: [400, '정지된 카드 입니다.'],
  INVALID_CARD_LOST_OR_STOLEN: [400, '분실 혹은 도난 카드입니다.'],
  INVALID_REJECT_CARD: [400, '카드 사용이 거절되었습니다. 카드사 문의가 필요합니다.'],
  INVALID_BILL_KEY_REQUEST: [400, '빌링 인증 고객키 혹은 결제 빌링키가 유효하지 않습니다.'],
  INVALID_CARD_NUMBER: [400, '카드번호를 다시 확인해주세요.'],
  NOT_SUPPORTED_CARD_TYPE: [400, '지원되지 않는 카드 종류입니다.'],
  PROVIDER_ERROR: [400, '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.'],
  FAILED_CARD_COMPANY_RESPONSE: [400, '카드사에서 에러가 발생했습니다. 잠시 후 다시 시도해 주세요.'],
  FORBIDDEN_CONSECUTIVE_REQUEST: [403, '반복적인 요청은 허용되지 않습니다. 잠시 후 다시 시도해주세요.'],
  COMMON_ERROR: [400, '일시적인 오류가 발생했습니다.'],
  FAILED_INTERNAL_SYSTEM_PROCESSING: [500, '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.'],
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: [500, '결제가 완료되지 않았어요. 다시 시도해주세요.'],
  UNKNOWN_ERROR: [500, '알 수 없는 에러가 발생했습니다.'],
  NOT_FOUND: [404, '존재하지 않는 정보 입니다.'],
  // The card window's own: the customer closed it (sent to failUrl, never an API answer).
  PAY_PROCESS_CANCELED: [400, '사용자에 의해 결제가 취소되었습니다.'],
};

export function tossError(code: string, detail?: string): { status: number; body: { code: string; message: string } } {
  const [status, message] = CATALOG[code] ?? [400, '알 수 없는 테스트 에러 코드입니다.'];
  return { status, body: { code, message: detail ? `${message} (${detail})` : message } };
}

export function isKnownErrorCode(code: string): boolean {
  return code in CATALOG;
}
